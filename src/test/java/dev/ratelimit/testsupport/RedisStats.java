package dev.ratelimit.testsupport;

import redis.clients.jedis.Jedis;

/** What a redis-server reports of its own work, read with {@code INFO}, for tests and benchmarks that count it. */
public final class RedisStats {

    private RedisStats() {}

    /** CPU time redis-server has used so far, user and system, in seconds. */
    public static double cpuSeconds(Jedis admin) {
        return admin.info("cpu")
                .lines()
                .filter(line -> line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))
                .mapToDouble(line ->
                        Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()))
                .sum();
    }

    /**
     * Scripts Redis ran since its statistics were last reset: EVALSHA, or EVAL after an EVALSHA that found no
     * script; the failed calls (NOSCRIPT among them) are left out.
     */
    public static long scriptsRun(Jedis admin) {
        return admin.info("commandstats")
                .lines()
                .filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
                .mapToLong(line -> count(line, "calls") - count(line, "failed_calls"))
                .sum();
    }

    /** A field of a {@code cmdstat_<command>:calls=..,usec=..,rejected_calls=..,failed_calls=..} line. */
    private static long count(String commandStats, String field) {
        return Long.parseLong(commandStats.replaceAll(".*[:,]" + field + "=(\\d+).*", "$1"));
    }
}
