package dev.ratelimit.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStore;
import java.util.Map;
import java.util.Set;

/** The probes' users: each one's password is its name, and its groups are the roles it is in. */
@ApplicationScoped
public class TierUsers implements IdentityStore {

    static final String GOLD_AND_SILVER = "gina";
    static final String SILVER = "sam";
    static final String NO_ROLE = "nora";

    private static final Map<String, Set<String>> GROUPS =
            Map.of(GOLD_AND_SILVER, Set.of("gold", "silver"), SILVER, Set.of("silver"), NO_ROLE, Set.of());

    /** Found by IdentityStore's default validate(Credential), which calls the validate of the credential's type. */
    public CredentialValidationResult validate(UsernamePasswordCredential credential) {
        Set<String> groups = GROUPS.get(credential.getCaller());
        return groups != null && credential.compareTo(credential.getCaller(), credential.getCaller())
                ? new CredentialValidationResult(credential.getCaller(), groups)
                : CredentialValidationResult.INVALID_RESULT;
    }
}
