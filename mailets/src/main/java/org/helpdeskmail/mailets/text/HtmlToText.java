package org.helpdeskmail.mailets.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * Renders the HTML body of an email as readable plain text.
 *
 * <ul>
 *   <li>Block elements ({@code p}, {@code div}, {@code li}, {@code tr}, {@code h1}–{@code h6}, {@code blockquote},
 *       …) and {@code br} end the line; paragraphs, headings, lists and blockquotes are set apart by a blank
 *       line. Runs of blank lines are collapsed into one, and the result is trimmed.</li>
 *   <li>Whitespace, non-breaking spaces included, is collapsed to one space, except inside {@code pre}.</li>
 *   <li>List items start with {@code "- "}, indented by two spaces per level of nesting.</li>
 *   <li>A link renders as {@code text (url)}, or as its text alone when the text already says the URL
 *       (ignoring the scheme, {@code mailto:}, {@code www.} and a trailing slash).</li>
 *   <li>Images are dropped; their alternative text, if any, is kept in brackets: {@code [Logo]}.</li>
 *   <li>{@code head}, {@code style}, {@code script} and other non-content elements, comments and elements
 *       hidden with {@code display:none} are ignored; entities are decoded.</li>
 *   <li>Each line inside a {@code blockquote} starts with {@code "> "}, once per level, so that
 *       {@link ReplyTextStripper} sees the quoted history as quoted. Gmail's {@code div.gmail_quote} holds its
 *       attribution line ("On … wrote:") and such a blockquote; Outlook's {@code div#divRplyFwdMsg} holds the
 *       {@code From:}/{@code Sent:} header lines, one a line, after an {@code hr} rendered as {@code ---}. Both
 *       therefore come out in the shape the stripper recognises, without special handling; answers written
 *       between Gmail's blockquotes stay unquoted and are kept.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class HtmlToText {
    private static final Set<String> IGNORED = Set.of(
            "head", "style", "script", "noscript", "template", "title", "meta", "link", "object", "embed",
            "iframe", "svg", "math", "select", "datalist", "button", "input", "textarea");

    private static final Set<String> PARAGRAPHS = Set.of(
            "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dl", "ul", "ol");

    private static final Set<String> LINES = Set.of(
            "div", "li", "tr", "table", "dt", "dd", "address", "section", "article", "header", "footer", "nav",
            "aside", "main", "figure", "figcaption", "center", "form", "fieldset", "legend", "caption", "details",
            "summary", "hr");

    private static final Set<String> CELLS = Set.of("td", "th");

    private static final Pattern HIDDEN = Pattern.compile("(?:^|;)\\s*display\\s*:\\s*none", Pattern.CASE_INSENSITIVE);

    private static final Pattern URL_DECORATION = Pattern.compile("^(?:mailto:|tel:|https?://)?(?:www\\.)?|/+$");

    public HtmlToText() {
    }

    /**
     * Returns the plain-text rendering of {@code html}.
     *
     * @param html an HTML document or fragment; {@code null} is taken as empty
     * @return the text, with LF line endings, no leading or trailing blank lines and no trailing whitespace
     */
    public String render(String html) {
        if (html == null || html.isBlank()) {
            return "";
        }
        Element body = Jsoup.parse(html).body();
        Renderer renderer = new Renderer();
        NodeTraversor.filter(renderer, body);
        return renderer.result();
    }

    /** A rendered line and the number of blockquotes it sits in. */
    private record Line(int quoteDepth, String text) {
        boolean isBlank() {
            return text.isBlank();
        }

        String render() {
            return ("> ".repeat(quoteDepth) + text).stripTrailing();
        }
    }

    /** The state of one rendering; used by one thread for one document, then dropped. */
    private static final class Renderer implements NodeFilter {
        private final List<Line> lines = new ArrayList<>();
        private final StringBuilder current = new StringBuilder();
        private int currentQuoteDepth;
        private int quoteDepth;
        private int listDepth;
        private int preformattedDepth;
        private boolean spaceWanted;
        private boolean blankLineWanted;
        /** The bullet of a list item, written only once the item has some text, so empty items leave nothing. */
        private String bullet = "";

        @Override
        public FilterResult head(Node node, int depth) {
            if (node instanceof TextNode textNode) {
                text(textNode.getWholeText());
                return FilterResult.CONTINUE;
            }
            if (!(node instanceof Element element)) {
                return FilterResult.SKIP_ENTIRELY;
            }
            String name = element.normalName();
            if (IGNORED.contains(name) || isHidden(element)) {
                return FilterResult.SKIP_ENTIRELY;
            }
            switch (name) {
                case "br" -> lineBreak();
                case "img" -> image(element);
                case "hr" -> {
                    endLine();
                    text("---");
                    endLine();
                }
                case "blockquote" -> {
                    paragraphBreak();
                    quoteDepth++;
                }
                case "li" -> {
                    endLine();
                    bullet = "  ".repeat(Math.max(0, listDepth - 1)) + "- ";
                }
                case "ul", "ol" -> {
                    blockStart(name);
                    listDepth++;
                }
                case "pre" -> {
                    paragraphBreak();
                    preformattedDepth++;
                }
                default -> {
                    if (CELLS.contains(name) && current.length() > 0) {
                        spaceWanted = true;
                    } else {
                        blockStart(name);
                    }
                }
            }
            return FilterResult.CONTINUE;
        }

        @Override
        public FilterResult tail(Node node, int depth) {
            if (!(node instanceof Element element)) {
                return FilterResult.CONTINUE;
            }
            String name = element.normalName();
            switch (name) {
                case "a" -> linkTarget(element);
                case "blockquote" -> {
                    paragraphBreak();
                    quoteDepth--;
                }
                case "li" -> {
                    endLine();
                    bullet = "";
                }
                case "ul", "ol" -> {
                    listDepth--;
                    blockStart(name);
                }
                case "pre" -> {
                    paragraphBreak();
                    preformattedDepth--;
                }
                default -> blockStart(name);
            }
            return FilterResult.CONTINUE;
        }

        /** Breaks the line before or after an element, as its kind of block requires. */
        private void blockStart(String name) {
            // Inside a list item a paragraph is only a line: a blank line would split the list.
            if (PARAGRAPHS.contains(name) && listDepth == 0) {
                paragraphBreak();
            } else if (PARAGRAPHS.contains(name) || LINES.contains(name)) {
                endLine();
            }
        }

        private void image(Element image) {
            String alternative = image.attr("alt").strip();
            if (!alternative.isEmpty()) {
                text("[" + alternative + "]");
            }
        }

        private void linkTarget(Element link) {
            String target = link.attr("href").strip();
            if (target.isEmpty() || target.startsWith("#") || target.toLowerCase(Locale.ROOT).startsWith("javascript:")) {
                return;
            }
            String label = link.text().strip();
            if (label.isEmpty()) {
                label = link.select("img[alt]").stream()
                        .map(image -> image.attr("alt").strip())
                        .collect(Collectors.joining(" "))
                        .strip();
            }
            // A link with nothing to show is a tracking or layout artefact, not something the reader can follow.
            if (!label.isEmpty() && !withoutDecoration(label).equals(withoutDecoration(target))) {
                text(" (" + target + ")");
            }
        }

        private static String withoutDecoration(String address) {
            return URL_DECORATION.matcher(address.toLowerCase(Locale.ROOT)).replaceAll("");
        }

        private static boolean isHidden(Element element) {
            return element.hasAttr("hidden") || HIDDEN.matcher(element.attr("style")).find();
        }

        private void text(String text) {
            for (int index = 0; index < text.length(); index++) {
                char character = text.charAt(index);
                if (isInvisible(character)) {
                    continue;
                }
                if (preformattedDepth > 0) {
                    if (character == '\n') {
                        lineBreak();
                    } else if (character != '\r') {
                        append(Character.isSpaceChar(character) ? ' ' : character);
                    }
                } else if (Character.isWhitespace(character) || Character.isSpaceChar(character)) {
                    spaceWanted = true;
                } else {
                    if (spaceWanted && current.length() > 0) {
                        current.append(' ');
                    }
                    spaceWanted = false;
                    append(character);
                }
            }
        }

        private void append(char character) {
            if (current.length() == 0) {
                startLine();
            }
            current.append(character);
        }

        private void startLine() {
            if (blankLineWanted && !lines.isEmpty() && !lines.get(lines.size() - 1).isBlank()) {
                // The blank line between a quote and the text around it is outside the quote.
                int depth = Math.min(lines.get(lines.size() - 1).quoteDepth(), quoteDepth);
                lines.add(new Line(depth, ""));
            }
            blankLineWanted = false;
            currentQuoteDepth = quoteDepth;
            current.append(bullet);
            bullet = "";
        }

        private void endLine() {
            if (current.length() > 0) {
                lines.add(new Line(currentQuoteDepth, current.toString().stripTrailing()));
                current.setLength(0);
            }
            spaceWanted = false;
        }

        private void paragraphBreak() {
            endLine();
            blankLineWanted = true;
        }

        /** A {@code br}: unlike the end of a block, it makes an empty line when the line is empty. */
        private void lineBreak() {
            if (current.length() > 0) {
                endLine();
            } else {
                lines.add(new Line(quoteDepth, ""));
                blankLineWanted = false;
            }
        }

        String result() {
            endLine();
            List<String> rendered = new ArrayList<>();
            boolean previousBlank = true;
            int lastContent = 0;
            for (Line line : lines) {
                if (line.isBlank() && previousBlank) {
                    continue;
                }
                rendered.add(line.render());
                previousBlank = line.isBlank();
                if (!previousBlank) {
                    lastContent = rendered.size();
                }
            }
            // A trailing blank line inside a quote renders as ">", which strip() alone would keep.
            return String.join("\n", rendered.subList(0, lastContent)).strip();
        }

        private static boolean isInvisible(char character) {
            // Zero-width spaces, byte order marks and soft hyphens pad the preview text of many newsletters.
            return character == '\u200B' || character == '\uFEFF' || character == '\u00AD';
        }
    }
}
