package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.core.FailureReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisClusterOperationException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Error replies as Redis 7 words them (copied from redis-cli against Debian's 7.0.15), each given its reason.
 * RedisFaultIT provokes the common ones on a real server; these are the ones a test cannot easily provoke.
 */
class RedisFailuresTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "SCRIPT_ERROR | ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
                "SCRIPT_ERROR | ERR Unknown Redis command called from script script: 2063962, on @user_script:1.",
                "WRONG_TYPE   | WRONGTYPE Operation against a key holding the wrong kind of value script: 7dd2147, on @user_script:43.",
                "OUT_OF_MEMORY | OOM command not allowed when used memory > 'maxmemory'. script: 7dd2147, on @user_script:80.",
                "NO_PERMISSION | NOPERM this user has no permissions to run the 'evalsha' command",
                "AUTHENTICATION | WRONGPASS invalid username-password pair or user is disabled.",
                "TOO_MANY_CONNECTIONS | ERR max number of clients reached",
                "NODE_UNAVAILABLE | READONLY You can't write against a read only replica. script: 7dd2147, on @user_script:80.",
                "NODE_UNAVAILABLE | LOADING Redis is loading the dataset in memory",
                "NODE_UNAVAILABLE | CLUSTERDOWN The cluster is down",
                "NODE_UNAVAILABLE | CLUSTERDOWN Hash slot not served",
                "NODE_UNAVAILABLE | MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
                "NODE_UNAVAILABLE | TRYAGAIN Multiple keys request during rehashing of slot",
                "NODE_UNAVAILABLE | MOVED 3999 127.0.0.1:6381",
                "NODE_UNAVAILABLE | ASK 3999 127.0.0.1:6381",
                "ERROR_REPLY  | BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
            })
    void eachErrorReplyHasItsReason(FailureReason reason, String reply) {
        assertThat(RedisFailures.reasonFor(new JedisDataException(reply))).isEqualTo(reason);
    }

    @Test
    void aReplyThatIsNoDecisionIsTheScriptsFailureByItsTypeWhateverItsText() {
        assertThat(RedisFailures.reasonFor(new NotADecisionException("WRONGTYPE is what a proxy answered")))
                .isEqualTo(FailureReason.SCRIPT_ERROR);
        assertThat(RedisFailures.reasonFor(new JedisDataException("the token bucket script answered OK")))
                .as("the same words in an error reply are no longer taken for it")
                .isEqualTo(FailureReason.ERROR_REPLY);
    }

    @Test
    void aPoolClosedUnderTheCallIsANodeThatLeftNotAnOutage() {
        JedisException closedPool = new JedisException(
                "Could not get a resource from the pool", new IllegalStateException("Pool not open"));

        assertThat(RedisFailures.reasonFor(closedPool)).isEqualTo(FailureReason.NODE_UNAVAILABLE);
    }

    @Test
    void aRefusalKeptAmongTheFailuresOfEachNodeTriedIsNamed() {
        JedisClusterOperationException noSlotMap =
                new JedisClusterOperationException("Could not initialize cluster slots cache.");
        noSlotMap.addSuppressed(new JedisConnectionException("Failed to connect to 127.0.0.1:7001."));
        noSlotMap.addSuppressed(new JedisAccessControlException("WRONGPASS invalid username-password pair"));

        assertThat(RedisFailures.reasonFor(noSlotMap)).isEqualTo(FailureReason.AUTHENTICATION);
    }

    @Test
    void nodesThatAllFailedToConnectAreAConnectionFailure() {
        JedisClusterOperationException noSlotMap =
                new JedisClusterOperationException("Could not initialize cluster slots cache.");
        noSlotMap.addSuppressed(new JedisConnectionException("Failed to connect to 127.0.0.1:7001."));

        assertThat(RedisFailures.reasonFor(noSlotMap)).isEqualTo(FailureReason.CONNECTION);
    }
}
