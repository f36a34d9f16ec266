package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@link RateLimitDecider}: the store's decision when it makes one, else the policy's failure mode. */
class RateLimitDeciderTest {

    private static final BucketLimits LIMITS = new BucketLimits(5, 5, Duration.ofSeconds(1));
    private static final RateLimitPolicy FAIL_OPEN = new RateLimitPolicy("open", LIMITS, 1, FailureMode.OPEN);
    private static final RateLimitPolicy FAIL_CLOSED = new RateLimitPolicy("closed", LIMITS, 1, FailureMode.CLOSED);
    private static final RateLimitPolicy LOCAL = new RateLimitPolicy("local", LIMITS, 1, FailureMode.LOCAL);
    private static final ClientId ALICE = ClientId.of("alice");
    private static final Decision LOCAL_ALLOWS = new Decision(true, 1, 0, 400);
    private static final Decision LOCAL_DENIES = new Decision(false, 0, 300, 900);

    private final AtomicInteger localCalls = new AtomicInteger();
    private final List<String> resets = new ArrayList<>();
    private final List<String> givenBack = new ArrayList<>();

    /** A limiter that answers whatever the test gives it, and resets by answering once more. */
    private RateLimiter answering(Supplier<Decision> answer) {
        return answering(policy -> answer.get());
    }

    /** A limiter that answers what the test gives it for each policy. */
    private RateLimiter answering(Function<RateLimitPolicy, Decision> answer) {
        return new RateLimiter() {
            @Override
            public Decision acquire(RateLimitPolicy policy, ClientId client) {
                return answer.apply(policy);
            }

            @Override
            public void reset(RateLimitPolicy policy, ClientId client) {
                resets.add(policy.name() + ":" + client);
                acquire(policy, client);
            }

            @Override
            public void giveBack(RateLimitPolicy policy, ClientId client) {
                givenBack.add(policy.name() + ":" + client);
            }

            @Override
            public void close() {}
        };
    }

    private RateLimitDecider deciding(Supplier<Decision> store, Decision local) {
        return new RateLimitDecider(answering(store), answering(() -> {
            localCalls.incrementAndGet();
            return local;
        }));
    }

    private RateLimitDecider failing(Decision local) {
        return deciding(
                () -> {
                    throw new LimiterUnavailableException(
                            FailureReason.TIMEOUT, "store down", new IllegalStateException());
                },
                local);
    }

    @Test
    void anAllowingDecisionPermitsTheCall() {
        Decision taken = new Decision(true, 4, 0, 200);

        Verdict verdict = deciding(() -> taken, LOCAL_DENIES).decide(LOCAL, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.ALLOWED);
        assertThat(verdict.permitsCall()).isTrue();
        assertThat(verdict.decision()).containsSame(taken);
        assertThat(verdict.failure()).isEmpty();
        assertThat(localCalls).hasValue(0);
    }

    @Test
    void aDenyingDecisionRefusesTheCallWhateverTheFailureMode() {
        Decision denied = new Decision(false, 0, 200, 1000);

        Verdict verdict = deciding(() -> denied, LOCAL_ALLOWS).decide(FAIL_OPEN, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.BLOCKED);
        assertThat(verdict.permitsCall()).isFalse();
        assertThat(verdict.decision()).containsSame(denied);
    }

    @Test
    void whenTheStoreCannotDecideAFailOpenPolicyPermitsTheCall() {
        Verdict verdict = failing(LOCAL_DENIES).decide(FAIL_OPEN, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAILED_OPEN);
        assertThat(verdict.permitsCall()).isTrue();
        assertThat(verdict.decision()).isEmpty();
        assertThat(verdict.failure())
                .get()
                .extracting(LimiterUnavailableException::reason)
                .isEqualTo(FailureReason.TIMEOUT);
        assertThat(localCalls).hasValue(0);
    }

    @Test
    void whenTheStoreCannotDecideAFailClosedPolicyRefusesTheCall() {
        Verdict verdict = failing(LOCAL_ALLOWS).decide(FAIL_CLOSED, ALICE);

        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAILED_CLOSED);
        assertThat(verdict.permitsCall()).isFalse();
        assertThat(verdict.decision()).isEmpty();
        assertThat(verdict.failure()).isPresent();
    }

    @Test
    void whenTheStoreCannotDecideALocalPolicyFollowsTheLocalBucket() {
        Verdict allowed = failing(LOCAL_ALLOWS).decide(LOCAL, ALICE);
        Verdict denied = failing(LOCAL_DENIES).decide(LOCAL, ALICE);

        assertThat(allowed.outcome()).isEqualTo(Verdict.Outcome.LOCAL_ALLOWED);
        assertThat(allowed.permitsCall()).isTrue();
        assertThat(allowed.decision()).containsSame(LOCAL_ALLOWS);
        assertThat(allowed.failure()).isPresent();
        assertThat(denied.outcome()).isEqualTo(Verdict.Outcome.LOCAL_BLOCKED);
        assertThat(denied.permitsCall()).isFalse();
        assertThat(denied.decision()).containsSame(LOCAL_DENIES);
    }

    @Test
    void aResetFillsTheLocalBucketEvenWhenTheStoreCannot() {
        RateLimitDecider decider = failing(LOCAL_ALLOWS);

        assertThatThrownBy(() -> decider.reset(LOCAL, ALICE)).isInstanceOf(LimiterUnavailableException.class);
        assertThat(resets).containsExactly("local:alice", "local:alice");
        assertThat(localCalls).hasValue(1);
    }

    @Test
    void severalPoliciesDecideInOrderAndARefusalGivesBackWhatTheEarlierOnesTook() {
        Decision denied = new Decision(false, 0, 200, 1000);
        RateLimitDecider decider = new RateLimitDecider(
                answering(policy -> policy.equals(FAIL_CLOSED) ? denied : new Decision(true, 4, 0, 200)),
                answering(() -> LOCAL_DENIES));

        JointVerdict verdict = decider.decideAll(List.of(new Charge(FAIL_OPEN, ALICE), new Charge(FAIL_CLOSED, ALICE)));

        assertThat(verdict.permitsCall()).isFalse();
        assertThat(verdict.reportedCharge()).isEqualTo(1);
        assertThat(verdict.reported().decision()).containsSame(denied);
        assertThat(verdict.countedBy(0)).as("its tokens were given back").isEmpty();
        assertThat(verdict.countedBy(1)).get().extracting(Verdict::outcome).isEqualTo(Verdict.Outcome.BLOCKED);
        assertThat(givenBack).containsExactly("open:alice");
    }

    @Test
    void aRefusalStopsTheDecisionsThatWouldFollowIt() {
        List<String> asked = new ArrayList<>();
        RateLimitDecider decider = new RateLimitDecider(
                answering(policy -> {
                    asked.add(policy.name());
                    return new Decision(false, 0, 200, 1000);
                }),
                answering(() -> LOCAL_DENIES));

        JointVerdict verdict = decider.decideAll(List.of(new Charge(FAIL_OPEN, ALICE), new Charge(FAIL_CLOSED, ALICE)));

        assertThat(verdict.reportedCharge()).isZero();
        assertThat(asked).containsExactly("open");
        assertThat(givenBack).isEmpty();
    }

    @Test
    void whenEveryPolicyAdmitsTheCallTheOneWithTheFewestCallsLeftIsReported() {
        RateLimitPolicy costly = new RateLimitPolicy("costly", LIMITS, 2, FailureMode.OPEN);
        RateLimitDecider decider = new RateLimitDecider(
                // 4 calls left at a cost of 1, 2 at a cost of 2 though 5 tokens are left.
                answering(policy -> new Decision(true, policy.equals(costly) ? 5 : 4, 0, 200)),
                answering(() -> LOCAL_DENIES));

        JointVerdict verdict = decider.decideAll(List.of(new Charge(FAIL_OPEN, ALICE), new Charge(costly, ALICE)));

        assertThat(verdict.permitsCall()).isTrue();
        assertThat(verdict.reportedCharge()).isEqualTo(1);
        assertThat(verdict.countedBy(0)).isPresent();
        assertThat(verdict.countedBy(1)).isPresent();
        assertThat(givenBack).isEmpty();
    }

    @Test
    void whenTheStoreCannotDecideEachPolicyFollowsItsOwnFailureMode() {
        JointVerdict openAndLocal =
                failing(LOCAL_ALLOWS).decideAll(List.of(new Charge(FAIL_OPEN, ALICE), new Charge(LOCAL, ALICE)));
        JointVerdict localAndClosed =
                failing(LOCAL_ALLOWS).decideAll(List.of(new Charge(LOCAL, ALICE), new Charge(FAIL_CLOSED, ALICE)));

        assertThat(openAndLocal.permitsCall()).isTrue();
        assertThat(openAndLocal.countedBy(0)).get().extracting(Verdict::outcome).isEqualTo(Verdict.Outcome.FAILED_OPEN);
        assertThat(openAndLocal.countedBy(1))
                .get()
                .extracting(Verdict::outcome)
                .isEqualTo(Verdict.Outcome.LOCAL_ALLOWED);
        assertThat(localAndClosed.permitsCall()).isFalse();
        assertThat(localAndClosed.reported().outcome()).isEqualTo(Verdict.Outcome.FAILED_CLOSED);
        assertThat(givenBack).as("the local bucket's token, given back").containsExactly("local:alice");
    }
}
