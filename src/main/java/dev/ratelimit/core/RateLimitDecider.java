package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides each call as its policy wants it decided: by the shared store when it answers, else by the
 * policy's {@link FailureMode}. For {@link FailureMode#LOCAL} that is the local limiter, which the caller
 * sizes for one instance's share; it is asked only while the store cannot decide, so its buckets start
 * full when an outage begins.
 */
public final class RateLimitDecider implements AutoCloseable {

    private final RateLimiter store;
    private final RateLimiter local;

    /**
     * @param store the limiter shared by every instance
     * @param local the limiter of this instance alone, for {@link FailureMode#LOCAL} policies
     */
    public RateLimitDecider(RateLimiter store, RateLimiter local) {
        this.store = Objects.requireNonNull(store, "store");
        this.local = Objects.requireNonNull(local, "local");
    }

    /** Never throws {@link LimiterUnavailableException}: a failure becomes part of the verdict. */
    public Verdict decide(RateLimitPolicy policy, ClientId client) {
        try {
            return Verdict.decided(store.acquire(policy, client));
        } catch (LimiterUnavailableException failure) {
            return afterFailure(new Charge(policy, client), failure);
        }
    }

    /**
     * Decides a call that several policies limit: it runs only if each permits it, so that no policy ever admits a
     * call another refused. In one step when the store can take from every bucket at once; else one by one in the
     * charges' order, giving back what the earlier ones took when a later one refuses. When the store cannot decide,
     * each policy's failure mode applies to it. Never throws {@link LimiterUnavailableException}.
     */
    public JointVerdict decideAll(List<Charge> charges) {
        Optional<JointDecision> together;
        try {
            together = store.acquireTogether(charges);
        } catch (LimiterUnavailableException failure) {
            return oneByOne(charges, charge -> afterFailure(charge, failure));
        }
        if (together.isEmpty()) {
            return oneByOne(charges, charge -> decide(charge.policy(), charge.client()));
        }
        Verdict verdict = Verdict.decided(together.get().decision());
        return new JointVerdict(
                Collections.nCopies(charges.size(), verdict), together.get().charge());
    }

    private JointVerdict oneByOne(List<Charge> charges, Function<Charge, Verdict> deciding) {
        List<Verdict> verdicts = new ArrayList<>(charges.size());
        for (Charge charge : charges) {
            Verdict verdict = deciding.apply(charge);
            verdicts.add(verdict);
            if (!verdict.permitsCall()) {
                giveBack(charges, verdicts);
                return new JointVerdict(verdicts, verdicts.size() - 1);
            }
        }
        return new JointVerdict(verdicts, closestToItsLimit(charges, verdicts));
    }

    /**
     * Returns what the charges before the refusing one took. Should the store fail to take them back, they stay
     * taken: the bucket admits that many fewer calls until it refills, and never more.
     */
    private void giveBack(List<Charge> charges, List<Verdict> verdicts) {
        for (int i = 0; i < verdicts.size() - 1; i++) {
            Charge charge = charges.get(i);
            switch (verdicts.get(i).outcome()) {
                case ALLOWED -> {
                    try {
                        store.giveBack(charge.policy(), charge.client());
                    } catch (LimiterUnavailableException lost) {
                        // Under-admits by one call's cost, as documented; the refusal stands either way.
                    }
                }
                case LOCAL_ALLOWED -> local.giveBack(charge.policy(), charge.client());
                default -> {
                    // Nothing was taken.
                }
            }
        }
    }

    /** The charge with the fewest calls left at its cost, of those a bucket decided; the first when none was. */
    private static int closestToItsLimit(List<Charge> charges, List<Verdict> verdicts) {
        int closest = 0;
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < verdicts.size(); i++) {
            Optional<Decision> decision = verdicts.get(i).decision();
            if (decision.isPresent()) {
                long calls =
                        decision.get().remaining() / charges.get(i).policy().cost();
                if (calls < fewest) {
                    fewest = calls;
                    closest = i;
                }
            }
        }
        return closest;
    }

    private Verdict afterFailure(Charge charge, LimiterUnavailableException failure) {
        return switch (charge.policy().failureMode()) {
            case OPEN -> Verdict.undecided(true, failure);
            case CLOSED -> Verdict.undecided(false, failure);
            case LOCAL -> Verdict.decidedLocally(local.acquire(charge.policy(), charge.client()), failure);
        };
    }

    /**
     * Fills the client's bucket under the policy again, in the store and in this instance's own buckets.
     *
     * @throws LimiterUnavailableException when the store cannot do it; the local bucket is filled even then
     */
    public void reset(RateLimitPolicy policy, ClientId client) {
        try {
            store.reset(policy, client);
        } finally {
            local.reset(policy, client);
        }
    }

    /** Closes both limiters. */
    @Override
    public void close() {
        try {
            store.close();
        } finally {
            local.close();
        }
    }

    @Override
    public String toString() {
        return "RateLimitDecider[store=" + store + ", local=" + local + "]";
    }
}
