package dev.ratelimit.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Every page that tells users how to depend on the library names the version this build makes. */
class DocumentedVersionTest {

    private static final Pattern DEPENDENCY =
            Pattern.compile("<artifactId>ratelimiter</artifactId>\\s*<version>([^<]+)</version>");
    private static final Pattern COORDINATES = Pattern.compile("dev\\.ratelimit:ratelimiter:([0-9][^`\\s]*)");

    @Test
    void everyDependencySnippetAndCoordinateNamesTheProjectVersion() throws Exception {
        String version = projectVersion();
        List<String> named = new ArrayList<>();
        for (Path page : pages()) {
            String text = Files.readString(page);
            for (Pattern pattern : List.of(DEPENDENCY, COORDINATES)) {
                Matcher match = pattern.matcher(text);
                while (match.find()) {
                    named.add(page + ": " + match.group(1));
                }
            }
        }

        assertThat(named)
                .as("versions named in README.md and docs/")
                .isNotEmpty()
                .allSatisfy(entry -> assertThat(entry).endsWith(": " + version));
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
            docs.filter(page -> page.toString().endsWith(".md")).forEach(pages::add);
        }
        return pages;
    }

    private static String projectVersion() throws Exception {
        Element project = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new File("pom.xml"))
                .getDocumentElement();
        for (Node node = project.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals("version")) {
                return element.getTextContent().trim();
            }
        }
        throw new AssertionError("pom.xml has no version of its own");
    }
}
