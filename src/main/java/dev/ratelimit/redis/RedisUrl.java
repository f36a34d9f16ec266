package dev.ratelimit.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Where the limiter's keys live and how to log in there, from one URL, so that one setting (one environment
 * variable in a container) switches between deployments:
 * <ul>
 *   <li>{@code redis://[[user]:password@]host[:port][/db]}: one Redis (port 6379 unless given);</li>
 *   <li>{@code redis-cluster://[[user]:password@]host[:port],host[:port],...}: a Redis Cluster, known by any
 *       of its nodes (the others are discovered);</li>
 *   <li>{@code redis-sentinel://[[user]:password@]host[:port],host[:port],...[/db]#master}: the primary that
 *       the Sentinels at these addresses (port 26379 unless given) know as {@code master}.</li>
 * </ul>
 * An {@code s} after {@code redis} ({@code rediss://}, {@code rediss-cluster://}, {@code rediss-sentinel://})
 * means TLS to every node. The credentials are those of the nodes that hold the keys, never the Sentinels'.
 *
 * @param uri        the URL as given, its scheme in lower case and default ports filled in
 * @param nodes      the one Redis, the cluster's seed nodes or the Sentinels, without repeats
 * @param masterName the Sentinels' name of the primary; null unless {@link Topology#SENTINEL}
 */
record RedisUrl(
        URI uri,
        RedisTopology topology,
        List<HostAndPort> nodes,
        String masterName,
        int database,
        boolean tls,
        String user,
        String password) {

    static final String FORMS = "redis://[user:password@]host[:port][/db], redis-cluster://host:port,host:port,..."
            + " or redis-sentinel://host:port,host:port,...[/db]#master (rediss... for TLS)";

    private static final int REDIS_PORT = 6379;
    private static final int SENTINEL_PORT = 26379;
    private static final int MAX_PORT = 65535;
    private static final Pattern DATABASE_PATH = Pattern.compile("/?|/\\d{1,9}");
    private static final Pattern MASTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** @throws IllegalArgumentException showing the URL with its credentials hidden */
    static RedisUrl parse(String text) {
        int schemeEnd = text.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : text.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        boolean tls = scheme.startsWith("rediss");
        return switch (tls ? "redis" + scheme.substring("rediss".length()) : scheme) {
            case "redis" -> standalone(text, tls);
            case "redis-cluster" -> several(text, scheme, RedisTopology.CLUSTER, REDIS_PORT, tls);
            case "redis-sentinel" -> several(text, scheme, RedisTopology.SENTINEL, SENTINEL_PORT, tls);
            default -> throw invalid(text, "");
        };
    }

    private static RedisUrl standalone(String text, boolean tls) {
        try {
            URI url = new URI(text);
            if (url.getHost() == null
                    && url.getRawAuthority() != null
                    && url.getRawAuthority().contains("_")) {
                throw invalidHost(text);
            }
            if (url.getHost() != null
                    && url.getPath() != null
                    && url.getQuery() == null
                    && url.getFragment() == null
                    && DATABASE_PATH.matcher(url.getPath()).matches()) {
                int port = url.getPort() == -1 ? REDIS_PORT : url.getPort();
                URI normalized = new URI(
                        tls ? "rediss" : "redis", url.getUserInfo(), url.getHost(), port, url.getPath(), null, null);
                return new RedisUrl(
                        normalized,
                        RedisTopology.STANDALONE,
                        List.of(new HostAndPort(url.getHost(), port)),
                        null,
                        JedisURIHelper.getDBIndex(normalized),
                        tls,
                        JedisURIHelper.getUser(normalized),
                        JedisURIHelper.getPassword(normalized));
            }
        } catch (URISyntaxException e) {
            // reported below, like any other text that is not a Redis URL
        }
        throw invalid(text, "");
    }

    /**
     * A URL of several hosts, which {@link URI} reads as an opaque authority: the hosts are split here, and
     * each is read as the host of a URL of its own.
     */
    private static RedisUrl several(String text, String scheme, RedisTopology topology, int defaultPort, boolean tls) {
        String rest = text.substring(scheme.length() + "://".length());
        // Neither hosts, a database nor a master name holds '@': whatever precedes the last one is credentials,
        // read before looking for '/' or '#', which an unescaped password may hold.
        int at = rest.lastIndexOf('@');
        String userInfo = at < 0 ? null : rest.substring(0, at);
        String afterCredentials = rest.substring(at + 1);
        int hash = afterCredentials.indexOf('#');
        String masterName = hash < 0 ? null : afterCredentials.substring(hash + 1);
        String hostsAndPath = hash < 0 ? afterCredentials : afterCredentials.substring(0, hash);
        int slash = hostsAndPath.indexOf('/');
        String path = slash < 0 ? "" : hostsAndPath.substring(slash);
        Set<HostAndPort> nodes = new LinkedHashSet<>();
        for (String host : (slash < 0 ? hostsAndPath : hostsAndPath.substring(0, slash)).split(",", -1)) {
            nodes.add(hostAndPort(text, host.trim(), defaultPort));
        }
        if (!DATABASE_PATH.matcher(path).matches()) {
            throw invalid(text, "");
        }
        if (topology == RedisTopology.CLUSTER && (path.length() > 1 || masterName != null)) {
            throw invalid(text, ": a Redis Cluster has database 0 only, and no master name");
        }
        if (topology == RedisTopology.SENTINEL
                && (masterName == null || !MASTER_NAME.matcher(masterName).matches())) {
            throw invalid(text, ": name the primary after '#', as the Sentinels know it (letters, digits, . _ -)");
        }
        URI credentials = credentials(text, userInfo);
        String hosts =
                String.join(",", nodes.stream().map(HostAndPort::toString).toList());
        URI normalized;
        try {
            normalized = new URI(scheme + "://" + (userInfo == null ? "" : userInfo + "@") + hosts + path
                    + (masterName == null ? "" : "#" + masterName));
        } catch (URISyntaxException e) {
            // A list of hosts is not an authority URI parses by hosts: IPv6 literals do not fit in it.
            throw invalid(text, ": give host names or IPv4 addresses in a list of hosts");
        }
        return new RedisUrl(
                normalized,
                topology,
                List.copyOf(nodes),
                masterName,
                path.length() > 1 ? Integer.parseInt(path.substring(1)) : 0,
                tls,
                credentials == null ? null : JedisURIHelper.getUser(credentials),
                credentials == null ? null : JedisURIHelper.getPassword(credentials));
    }

    private static HostAndPort hostAndPort(String text, String host, int defaultPort) {
        if (host.contains("_")) {
            throw invalidHost(text);
        }
        try {
            URI url = new URI("redis://" + host);
            if (url.getHost() != null
                    && url.getRawUserInfo() == null
                    && url.getRawPath().isEmpty()
                    && url.getRawQuery() == null
                    && url.getRawFragment() == null
                    && url.getPort() <= MAX_PORT) {
                return new HostAndPort(url.getHost(), url.getPort() == -1 ? defaultPort : url.getPort());
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw invalid(text, ": '" + host + "' is not host[:port]");
    }

    /**
     * The credentials part, read the way Jedis reads a one-host URL's, percent-escapes and all; refused rather
     * than dropped when they do not read as credentials.
     */
    private static URI credentials(String text, String userInfo) {
        if (userInfo == null) {
            return null;
        }
        try {
            URI credentials = new URI("redis://" + userInfo + "@localhost");
            if ("localhost".equals(credentials.getHost()) && userInfo.equals(credentials.getRawUserInfo())) {
                return credentials;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw invalid(text, ": the credentials are not URL-encoded");
    }

    /** {@code host:port} of each node, for messages. */
    String address() {
        return String.join(",", nodes.stream().map(HostAndPort::toString).toList())
                + (masterName == null ? "" : " (Sentinel master " + masterName + ")");
    }

    private static IllegalArgumentException invalidHost(String text) {
        return new IllegalArgumentException("host names may not hold '_' (often found in Docker service names):"
                + " use '-' instead, was " + redacted(text));
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("must look like " + FORMS + why + ", was " + redacted(text));
    }

    /**
     * The text of a URL with everything between the scheme and the last '@' hidden: it works on URLs too
     * broken to parse, whose password may hold any character.
     */
    static String redacted(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int authority = url.indexOf("//");
        int start = authority >= 0 && authority < at ? authority + 2 : url.indexOf(':') + 1;
        return url.substring(0, start) + "***" + url.substring(at);
    }

    @Override
    public String toString() {
        return redacted(uri.toString());
    }
}
