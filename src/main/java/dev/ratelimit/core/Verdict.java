package dev.ratelimit.core;

import java.util.Objects;
import java.util.Optional;

/**
 * What becomes of one call under a policy: the store's {@link Decision} when it made one, else the policy's
 * {@link FailureMode} applied to the failure that prevented it, which for {@link FailureMode#LOCAL} is a
 * decision of the instance's own bucket.
 */
public final class Verdict {

    public enum Outcome {
        /** The store took the call's tokens. */
        ALLOWED(true),
        /** The bucket held too few tokens. */
        BLOCKED(false),
        /** The store could not decide; the policy lets such calls through. */
        FAILED_OPEN(true),
        /** The store could not decide; the policy refuses such calls. */
        FAILED_CLOSED(false),
        /** The store could not decide; the instance's own bucket took the call's tokens. */
        LOCAL_ALLOWED(true),
        /** The store could not decide; the instance's own bucket held too few tokens. */
        LOCAL_BLOCKED(false);

        private final boolean permitsCall;

        Outcome(boolean permitsCall) {
            this.permitsCall = permitsCall;
        }

        public boolean permitsCall() {
            return permitsCall;
        }
    }

    private final Outcome outcome;
    private final Decision decision;
    private final LimiterUnavailableException failure;

    private Verdict(Outcome outcome, Decision decision, LimiterUnavailableException failure) {
        this.outcome = outcome;
        this.decision = decision;
        this.failure = failure;
    }

    static Verdict decided(Decision decision) {
        return new Verdict(decision.allowed() ? Outcome.ALLOWED : Outcome.BLOCKED, decision, null);
    }

    static Verdict undecided(boolean permitsCall, LimiterUnavailableException failure) {
        return new Verdict(
                permitsCall ? Outcome.FAILED_OPEN : Outcome.FAILED_CLOSED,
                null,
                Objects.requireNonNull(failure, "failure"));
    }

    static Verdict decidedLocally(Decision local, LimiterUnavailableException failure) {
        return new Verdict(
                local.allowed() ? Outcome.LOCAL_ALLOWED : Outcome.LOCAL_BLOCKED,
                local,
                Objects.requireNonNull(failure, "failure"));
    }

    public Outcome outcome() {
        return outcome;
    }

    /** Whether the call may run: allowed by a bucket, or undecided under a fail-open policy. */
    public boolean permitsCall() {
        return outcome.permitsCall();
    }

    /** The bucket's decision: the store's, or the local one; empty when neither decided. */
    public Optional<Decision> decision() {
        return Optional.ofNullable(decision);
    }

    /** Why the store could not decide; empty when it did. */
    public Optional<LimiterUnavailableException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public String toString() {
        return "Verdict[" + outcome + (decision != null ? ", " + decision : "")
                + (failure != null ? ", " + failure.getMessage() : "") + "]";
    }
}
