package dev.ratelimit.it;

import dev.ratelimit.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** An endpoint under a per-client policy and an endpoint-wide one, which its test configures. */
@Path("several")
@RequestScoped
public class SeveralPoliciesProbeResource {

    @GET
    @RateLimited("probe-per-client")
    @RateLimited("probe-overall")
    public String search() {
        return "ran";
    }
}
