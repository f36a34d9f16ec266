package dev.ratelimit.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Every page that tells users how to depend on the library, and the starter application they copy, name the version
 * this build makes.
 */
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
        return text(root("pom.xml"), "version");
    }

    @Test
    void theStarterNamesTheProjectsVersionOfTheLibrary() throws Exception {
        Element project = root("pom.xml");
        Element starter = root("examples/starter/pom.xml");

        assertThat(child(starter, "properties").flatMap(properties -> child(properties, "ratelimiter.version")))
                .as("examples/starter/pom.xml's ratelimiter.version")
                .map(Element::getTextContent)
                .map(String::strip)
                .hasValue(
                        child(project, "version").orElseThrow().getTextContent().strip());
    }

    @Test
    void theStarterDependsOnTheLibraryByThatProperty() throws Exception {
        Element starter = root("examples/starter/pom.xml");
        Element project = root("pom.xml");

        List<String> libraries = new ArrayList<>();
        for (Element dependency : children(child(starter, "dependencies").orElseThrow(), "dependency")) {
            String groupId = text(dependency, "groupId");
            String artifactId = text(dependency, "artifactId");
            if (groupId.equals(text(project, "groupId")) && artifactId.equals(text(project, "artifactId"))) {
                libraries.add(text(dependency, "version") + "|" + text(dependency, "classifier") + "|"
                        + text(dependency, "type"));
            }
        }
        assertThat(libraries)
                .as("one dependency on the library, no classifier, the jar")
                .containsExactly("${ratelimiter.version}||");
    }

    private static Element root(String pom) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new File(pom))
                .getDocumentElement();
    }

    /** The first child element of that name, if any (never a descendant further down). */
    private static Optional<Element> child(Element parent, String name) {
        return children(parent, name).stream().findFirst();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        return child(parent, name)
                .map(Element::getTextContent)
                .map(String::strip)
                .orElse("");
    }
}
