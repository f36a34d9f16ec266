package dev.ratelimit.it;

import dev.ratelimit.TierResolver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/** The application's own notion of a tier: the plan an account is on, here its id's prefix. */
@ApplicationScoped
public class AccountTiers implements TierResolver {

    @Override
    public Optional<String> resolve(HttpServletRequest request, String policy) {
        return Optional.ofNullable(request.getHeader("X-Client-Id"))
                .filter(account -> account.startsWith("gold-"))
                .map(account -> "gold");
    }
}
