package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import redis.clients.jedis.RedisClient;

/** A bucket as the script stores it: 20 bytes, little-endian level (7), ts (6), period (7). */
record StoredBucket(long level, long ts, long period) {

    static StoredBucket read(RedisClient redis, String key) {
        byte[] packed = redis.get(key.getBytes(StandardCharsets.UTF_8));
        assertThat(packed).hasSize(20);
        return new StoredBucket(littleEndian(packed, 0, 7), littleEndian(packed, 7, 6), littleEndian(packed, 13, 7));
    }

    private static long littleEndian(byte[] bytes, int offset, int length) {
        long value = 0;
        for (int i = length - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }
}
