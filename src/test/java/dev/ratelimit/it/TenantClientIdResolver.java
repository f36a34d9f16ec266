package dev.ratelimit.it;

import dev.ratelimit.ClientIdResolver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;

/** An application's own notion of who calls: every user of a tenant shares the tenant's buckets. */
@ApplicationScoped
public class TenantClientIdResolver implements ClientIdResolver {

    @Override
    public Optional<String> resolve(HttpServletRequest request, String policy) {
        return Optional.ofNullable(request.getHeader("X-Tenant")).map(tenant -> "tenant-" + tenant);
    }
}
