package dev.ratelimit.it;

import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration that cannot work stops the deployment, with a message naming the key and the method. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class InvalidConfigIT {

    private static final String INVALID = "invalid-search-cost";

    @Deployment(name = INVALID, managed = false, testable = false)
    static WebArchive deploymentWithZeroCost() {
        return DemoDeployment.withProbes(Map.of("ratelimit.policies.search.cost", "0"));
    }

    @ArquillianResource
    Deployer deployer;

    @Test
    void aZeroCostFailsTheDeploymentNamingTheKeyAndTheMethod() throws Exception {
        Path log = Path.of(System.getProperty("it.server.log"));
        long logLengthBefore = Files.size(log);

        assertThatThrownBy(() -> deployer.deploy(INVALID)).isInstanceOf(Exception.class);

        String written = Files.readString(log).substring((int) logLengthBefore);
        assertThat(written).contains("Invalid rate limit configuration for dev.ratelimit.api.SearchResource#search: "
                + "ratelimit.policies.search.cost=0: cost must be at least 1, was 0");
    }
}
