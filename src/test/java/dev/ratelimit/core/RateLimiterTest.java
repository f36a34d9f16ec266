package dev.ratelimit.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link RateLimiter#decide}: the store's decision when it makes one, else the policy's failure mode. */
class RateLimiterTest {

    private static final BucketLimits LIMITS = new BucketLimits(5, 5, Duration.ofSeconds(1));
    private static final RateLimitPolicy FAIL_OPEN = new RateLimitPolicy("open", LIMITS, 1, FailureMode.OPEN);
    private static final RateLimitPolicy FAIL_CLOSED = new RateLimitPolicy("closed", LIMITS, 1, FailureMode.CLOSED);
    private static final ClientId ALICE = ClientId.of("alice");

    /** A store that answers whatever the test gives it. */
    private static RateLimiter answering(Supplier<Decision> answer) {
        return new RateLimiter() {
            @Override
            public Decision acquire(RateLimitPolicy policy, ClientId client) {
                return answer.get();
            }

            @Override
            public void close() {
            }
        };
    }

    private static RateLimiter failing() {
        return answering(() -> {
            throw new LimiterUnavailableException("store down", new IllegalStateException("refused"));
        });
    }

    @Test
    void anAllowingDecisionPermitsTheCall() {
        Decision taken = new Decision(true, 4, 0, 200);

        Verdict verdict = answering(() -> taken).decide(FAIL_CLOSED, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.ALLOWED);
        assertThat(verdict.permitsCall()).isTrue();
        assertThat(verdict.decision()).containsSame(taken);
        assertThat(verdict.failure()).isEmpty();
    }

    @Test
    void aDenyingDecisionRefusesTheCallWhateverTheFailureMode() {
        Decision denied = new Decision(false, 0, 200, 1000);

        Verdict verdict = answering(() -> denied).decide(FAIL_OPEN, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.BLOCKED);
        assertThat(verdict.permitsCall()).isFalse();
        assertThat(verdict.decision()).containsSame(denied);
    }

    @Test
    void whenTheStoreCannotDecideAFailOpenPolicyPermitsTheCall() {
        Verdict verdict = failing().decide(FAIL_OPEN, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAILED_OPEN);
        assertThat(verdict.permitsCall()).isTrue();
        assertThat(verdict.decision()).isEmpty();
        assertThat(verdict.failure()).get().extracting(Throwable::getMessage).isEqualTo("store down");
    }

    @Test
    void whenTheStoreCannotDecideAFailClosedPolicyRefusesTheCall() {
        Verdict verdict = failing().decide(FAIL_CLOSED, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAILED_CLOSED);
        assertThat(verdict.permitsCall()).isFalse();
        assertThat(verdict.decision()).isEmpty();
        assertThat(verdict.failure()).isPresent();
    }
}
