package dev.ratelimit.it;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.security.enterprise.AuthenticationStatus;
import jakarta.security.enterprise.authentication.mechanism.http.HttpAuthenticationMechanism;
import jakarta.security.enterprise.authentication.mechanism.http.HttpMessageContext;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStoreHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * HTTP Basic login where credentials are sent, and none asked of a caller without: the probes stay open to anonymous
 * calls, and an authenticated caller is in the roles of its groups.
 */
@ApplicationScoped
public class OptionalBasicLogin implements HttpAuthenticationMechanism {

    private static final String BASIC = "Basic ";

    @Inject
    IdentityStoreHandler identityStores;

    @Override
    public AuthenticationStatus validateRequest(
            HttpServletRequest request, HttpServletResponse response, HttpMessageContext context) {
        String authorization = request.getHeader("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return context.doNothing();
        }
        String[] user = new String(
                        Base64.getDecoder()
                                .decode(authorization.substring(BASIC.length()).trim()),
                        StandardCharsets.UTF_8)
                .split(":", 2);
        CredentialValidationResult result =
                identityStores.validate(new UsernamePasswordCredential(user[0], user.length > 1 ? user[1] : ""));
        return result.getStatus() == CredentialValidationResult.Status.VALID
                ? context.notifyContainerAboutLogin(result)
                : context.responseUnauthorized();
    }
}
