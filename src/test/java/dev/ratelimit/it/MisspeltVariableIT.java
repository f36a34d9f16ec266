package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

/**
 * A container's operator misspells a variable: the deployment fails with one line naming the variable as it was set
 * and the variable meant, once, though Liberty lists the variable under two spellings; no stack trace reaches the
 * console, and the server goes on running without the application, as Liberty does with a failed deployment.
 */
class MisspeltVariableIT {

    private static final String WRITTEN = "RATELIMIT_POLICIES_SEARCH_REFIL_PERIOD";
    private static final String PROBLEM = "Invalid rate limit configuration: unknown key " + WRITTEN
            + "; did you mean RATELIMIT_POLICIES_SEARCH_REFILL_PERIOD?";

    @Test
    void theVariableIsReportedOnceAsWrittenWithTheOneMeantAndNoStackTrace() throws Exception {
        WebArchive war = DemoDeployment.withProbes("ratelimiter-misspelt", Map.of());
        try (SecondLibertyServer server =
                SecondLibertyServer.startUntilLogged("it-misspelt", war, Map.of(WRITTEN, "1m"), "CWWKZ0002E")) {
            List<String> messages = Files.readAllLines(server.messagesLog());
            String console = Files.readString(server.consoleLog());

            assertThat(messages.stream().filter(line -> line.contains(WRITTEN) && !line.contains("FFDC1015I")))
                    .as("messages.log, Liberty's FFDC incident notes aside")
                    .singleElement()
                    .asString()
                    .contains("CWWKZ0002E")
                    .endsWith(PROBLEM);
            assertThat(messages)
                    .as("Liberty's dotted listing of the variable is not reported again")
                    .noneMatch(line -> line.contains("ratelimit.policies.search.refil.period"));
            assertThat(console).contains(PROBLEM).doesNotContain("\tat ", "Exception List with");
            assertThat(Http.get(server.applicationUrl(war), "api/status").statusCode())
                    .as("the server runs on, without the application")
                    .isEqualTo(404);
        }
    }
}
