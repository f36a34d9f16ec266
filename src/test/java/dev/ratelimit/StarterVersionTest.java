package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The starter application of {@code examples/starter} depends on the library of this very version. */
class StarterVersionTest {

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
