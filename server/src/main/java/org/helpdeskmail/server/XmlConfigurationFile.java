package org.helpdeskmail.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** One XML file of conf/, edited through the DOM so that comments and layout survive the overlay. */
final class XmlConfigurationFile {
    private final String name;
    private final Path path;
    private final Document document;

    private XmlConfigurationFile(String name, Path path, Document document) {
        this.name = name;
        this.path = path;
        this.document = document;
    }

    static XmlConfigurationFile load(Path path, String name) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return new XmlConfigurationFile(name, path, factory.newDocumentBuilder().parse(path.toFile()));
        } catch (Exception e) {
            throw new BadConfigurationException(name, "(file)", "is not well-formed XML: " + e.getMessage());
        }
    }

    String name() {
        return name;
    }

    List<Element> elements(String xpath) {
        try {
            NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, document, XPathConstants.NODESET);
            List<Element> elements = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                elements.add((Element) nodes.item(i));
            }
            return elements;
        } catch (XPathExpressionException e) {
            throw new IllegalArgumentException(xpath, e);
        }
    }

    /** The direct child called {@code childName}, created when missing. */
    static Element child(Element parent, String childName) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(childName)) {
                return element;
            }
        }
        Element created = parent.getOwnerDocument().createElement(childName);
        parent.appendChild(created);
        return created;
    }

    static List<Element> children(Element parent, String childName) {
        List<Element> children = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(childName)) {
                children.add(element);
            }
        }
        return children;
    }

    static String childText(Element parent, String childName) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(childName)) {
                return element.getTextContent().trim();
            }
        }
        return null;
    }

    static void replaceChildren(Element parent, String childName, List<String> values) {
        while (parent.hasChildNodes()) {
            parent.removeChild(parent.getFirstChild());
        }
        for (String value : values) {
            Element element = parent.getOwnerDocument().createElement(childName);
            element.setTextContent(value);
            parent.appendChild(element);
        }
    }

    void save() {
        try (OutputStream output = Files.newOutputStream(path)) {
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.transform(new DOMSource(document), new StreamResult(output));
        } catch (Exception e) {
            throw new IllegalStateException("cannot write " + path, e);
        }
    }
}
