package dev.ratelimit.core;

/**
 * The store's decision on a call under several policies at once: it took every policy's cost, or none.
 *
 * @param charge   which of the charges the figures describe: when refused, the one whose wait is longest; when
 *                 allowed, the one with the fewest calls left
 * @param decision whether the call was allowed, with that charge's figures ({@link Decision#band()} counts within
 *                 its policy)
 */
public record JointDecision(int charge, Decision decision) {}
