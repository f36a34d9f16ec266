package dev.ratelimit.core;

import java.util.List;
import java.util.Optional;

/**
 * What becomes of one call under several policies: it runs only if every policy permits it. One verdict is
 * reported, for the caller to be told: the refusing policy's, else the one whose caller is closest to its limit.
 */
public final class JointVerdict {

    /** A verdict per charge, in the charges' order, up to the one that refused the call when one did. */
    private final List<Verdict> verdicts;

    private final int reported;

    JointVerdict(List<Verdict> verdicts, int reported) {
        this.verdicts = List.copyOf(verdicts);
        this.reported = reported;
    }

    /** Whether the call may run: every charge permits it. */
    public boolean permitsCall() {
        return verdicts.get(reported).permitsCall();
    }

    /** Which charge {@link #reported()} belongs to. */
    public int reportedCharge() {
        return reported;
    }

    /** The verdict that refused the call; when none did, the one of the policy with the fewest calls left. */
    public Verdict reported() {
        return verdicts.get(reported);
    }

    /**
     * The verdict the charge counts the call by. When the call does not run, only the refusing charge counts it: the
     * others took nothing from their buckets, or gave it back.
     */
    public Optional<Verdict> countedBy(int charge) {
        return permitsCall() || charge == reported ? Optional.of(verdicts.get(charge)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "JointVerdict[" + verdicts + ", reported " + reported + "]";
    }
}
