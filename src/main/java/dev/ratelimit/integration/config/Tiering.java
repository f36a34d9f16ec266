package dev.ratelimit.integration.config;

import dev.ratelimit.integration.http.Networks;
import dev.ratelimit.integration.http.TierSource;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a policy limits otherwise than by its own limits: the callers it never limits (by client id or network), and
 * its tiers, told apart by the tier source.
 *
 * @param source        where a call's tier is read from; {@link TierSource#NONE} without tiers
 * @param tiers         in the order a caller in several of them is placed: unlimited ones first, then the largest
 *                      capacity, then by name
 * @param exemptClients client ids, as callers send them, that the policy never limits
 * @param exemptNetworks caller addresses the policy never limits
 */
public record Tiering(TierSource source, List<Tier> tiers, List<String> exemptClients, Networks exemptNetworks) {

    /** The tier tag of a call the policy's own limits decide: no tier, an unknown one, or none of its tiers. */
    public static final String OWN_LIMITS = "default";

    /** The tier tag of a call exempt by its client id or its network. */
    public static final String EXEMPT = "exempt";

    private static final Comparator<Tier> MOST_GENEROUS_FIRST = Comparator.comparing((Tier tier) -> !tier.unlimited())
            .thenComparing(
                    tier -> tier.limitedBy()
                            .map(policy -> policy.limits().capacity())
                            .orElse(0L),
                    Comparator.reverseOrder())
            .thenComparing(Tier::name);

    /** Declared after the order it sorts by, which it needs. */
    public static final Tiering NONE = new Tiering(TierSource.NONE, List.of(), List.of(), Networks.NONE);

    public Tiering {
        Objects.requireNonNull(source, "source");
        tiers = tiers.stream().sorted(MOST_GENEROUS_FIRST).toList();
        exemptClients = List.copyOf(exemptClients);
        Objects.requireNonNull(exemptNetworks, "exemptNetworks");
    }

    public boolean hasTiers() {
        return !tiers.isEmpty();
    }

    /** The tier of that name, ignoring case and surrounding space; empty for any other name. */
    public Optional<Tier> tierNamed(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        return tiers.stream().filter(tier -> tier.name().equals(wanted)).findFirst();
    }
}
