package dev.ratelimit.it;

import dev.ratelimit.ClientIdResolver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/** A second resolver: deployed beside {@link TenantClientIdResolver}, it makes the choice ambiguous. */
@ApplicationScoped
public class OtherClientIdResolver implements ClientIdResolver {

    @Override
    public Optional<String> resolve(HttpServletRequest request, String policy) {
        return Optional.ofNullable(request.getRemoteUser());
    }
}
