package org.helpdeskmail.mailets.text;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Keeps only what the sender of an email reply wrote, dropping the quoted history below it.
 *
 * <p>The input is the plain-text body of a reply (CRLF or LF line endings; the output always uses LF).
 * The text is cut at the first of these markers, everything from the marker on being history:
 * <ul>
 *   <li>an Outlook header block: a {@code From:} line (or its German, French, Spanish, Dutch or Portuguese
 *       label) followed within the next {@value #HEADER_BLOCK_REACH} lines by a {@code Sent:} or {@code Date:}
 *       line carrying a date, together with the {@code ____} or {@code -----} rule just above it;</li>
 *   <li>an {@code -----Original Message-----} separator, in any of the six languages;</li>
 *   <li>the block of {@code >}-quoted lines that ends the message, together with the attribution line
 *       ("On &lt;date&gt;, &lt;name&gt; wrote:", in any of the six languages, possibly wrapped over up to
 *       {@value #MAXIMUM_ATTRIBUTION_LINES} lines as Gmail does) just above it, if there is one; an attribution
 *       ending the message without its quote is dropped too.</li>
 * </ul>
 * An attribution must hold a digit (its date), and is recognised only right above the final quote.
 *
 * <p>Quoting interleaved with answers (quote, answer, quote, answer) is kept as is, so that no answer is lost;
 * only a quoted block after the last answer is removed. Signatures are kept. Nothing else is rewritten: the
 * kept part is returned as written, without trailing whitespace. A blank or {@code null} input gives
 * {@code ""}; a message made only of history (where stripping would leave nothing) is returned whole, trimmed.
 *
 * <p>Instances are immutable and thread-safe; the detection rules are compiled once, from one table of
 * words and patterns per language.
 */
public final class ReplyTextStripper {
    /** How many lines below a {@code From:} line the {@code Sent:}/{@code Date:} line may be. */
    public static final int HEADER_BLOCK_REACH = 4;

    /** Gmail wraps its attribution line at 78 characters; a long name and address may need a third line. */
    public static final int MAXIMUM_ATTRIBUTION_LINES = 3;

    /** Real attribution lines are short; the cap keeps a huge line from making the patterns backtrack for long. */
    private static final int MAXIMUM_ATTRIBUTION_LENGTH = 500;

    /**
     * What the mail clients write above the history they quote, in one language.
     *
     * @param language the ISO 639-1 code of the language, for readers of this table
     * @param attributions regular expressions of a whole attribution line ("On … wrote:"); they require a digit
     *     so that a sentence such as "On Monday Bob wrote:" is not taken for one
     * @param fromLabels the label of the sender line in an Outlook header block
     * @param sentLabels the labels of the date line in an Outlook header block
     * @param originalMessages regular expressions of the words between the dashes of Outlook's
     *     "-----Original Message-----" separator
     */
    private record Language(
            String language,
            List<String> attributions,
            List<String> fromLabels,
            List<String> sentLabels,
            List<String> originalMessages) {
    }

    private static final List<Language> LANGUAGES = List.of(
            new Language("en",
                    // Gmail, Thunderbird: "On Tue, Mar 12, 2024 at 10:15 AM John <john@example.com> wrote:";
                    // Apple Mail: "On 12 Mar 2024, at 10:15, John <john@example.com> wrote:".
                    List.of("On\\h.*\\d.*\\hwrote\\h*:"),
                    List.of("From"),
                    List.of("Sent", "Date"),
                    List.of("Original Message")),
            new Language("de",
                    // "Am Di., 12. März 2024 um 10:15 Uhr schrieb Max <max@example.com>:" — the name follows the verb.
                    List.of("Am\\h.*\\d.*\\hschrieb(?:\\h[^:]*)?:"),
                    List.of("Von"),
                    List.of("Gesendet", "Datum"),
                    List.of("Ursprüngliche Nachricht", "Original Nachricht")),
            new Language("fr",
                    // French typography puts a (often non-breaking) space before the colon.
                    List.of("Le\\h.*\\d.*\\ha\\h+écrit\\h*:"),
                    List.of("De"),
                    List.of("Envoyé", "Date"),
                    List.of("Message d['’]origine")),
            new Language("es",
                    List.of("El\\h.*\\d.*\\hescribió\\h*:"),
                    List.of("De"),
                    List.of("Enviado", "Enviado el", "Fecha"),
                    List.of("Mensaje original")),
            new Language("nl",
                    // Gmail and Thunderbird: "Op … schreef Jan <jan@example.com>:";
                    // Apple Mail: "Op … heeft Jan <jan@example.com> het volgende geschreven:".
                    List.of("Op\\h.*\\d.*\\hschreef(?:\\h[^:]*)?:", "Op\\h.*\\d.*\\hhet\\h+volgende\\h+geschreven\\h*:"),
                    List.of("Van"),
                    List.of("Verzonden", "Datum"),
                    List.of("Oorspronkelijk bericht")),
            new Language("pt",
                    List.of("Em\\h.*\\d.*\\hescreveu\\h*:"),
                    List.of("De"),
                    List.of("Enviado", "Enviada", "Enviado em", "Enviada em", "Data"),
                    List.of("Mensagem original")));

    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private static final Pattern ATTRIBUTION = Pattern.compile(
            "\\h*(?:" + alternatives(Language::attributions) + ")\\h*", FLAGS);

    // Gmail renders the bold labels of a quoted Outlook header as "*From:*", hence the optional asterisks.
    private static final Pattern FROM_LINE = Pattern.compile(
            "\\h*\\**\\h*(?:" + alternatives(language -> quoted(language.fromLabels())) + ")\\h*:\\h*\\**\\h*\\S.*",
            FLAGS);

    // The value must hold a digit: "Date: to be agreed" is conversation, not a header.
    private static final Pattern SENT_LINE = Pattern.compile(
            "\\h*\\**\\h*(?:" + alternatives(language -> quoted(language.sentLabels())) + ")\\h*:\\h*\\**.*\\d.*",
            FLAGS);

    private static final Pattern ORIGINAL_MESSAGE = Pattern.compile(
            "\\h*-{2,}\\h*(?:" + alternatives(Language::originalMessages) + ")\\h*-{2,}\\h*", FLAGS);

    // Outlook's "________________________________" above its header block, or a rendered <hr>. Two dashes are
    // left out: "-- " opens a signature.
    private static final Pattern RULE = Pattern.compile("\\h*(?:_{3,}|-{3,})\\h*");

    private static final Pattern QUOTED = Pattern.compile("\\h*>.*");

    public ReplyTextStripper() {
    }

    /**
     * Returns the part of {@code text} written by the sender of the reply.
     *
     * @param text the plain-text body of the reply; {@code null} is taken as empty
     * @return the new part, with LF line endings and no trailing whitespace
     */
    public String strip(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String normalized = text.replace("\r\n", "\n").replace('\r', '\n');
        List<String> lines = Arrays.asList(normalized.split("\n", -1));
        int end = headerBlockStart(lines);
        end = trailingQuoteStart(lines, end);
        String kept = String.join("\n", lines.subList(0, end)).stripTrailing();
        // A reply made only of history is still a message: better the whole thread than an empty comment.
        return kept.isBlank() ? normalized.strip() : kept;
    }

    /** The index of the first line of the first Outlook header block, or the number of lines if none. */
    private static int headerBlockStart(List<String> lines) {
        for (int index = 0; index < lines.size(); index++) {
            String line = lines.get(index);
            if (ORIGINAL_MESSAGE.matcher(line).matches()) {
                return index;
            }
            if (FROM_LINE.matcher(line).matches() && sentLineFollows(lines, index)) {
                int above = previousNonBlank(lines, index);
                return above >= 0 && RULE.matcher(lines.get(above)).matches() ? above : index;
            }
        }
        return lines.size();
    }

    private static boolean sentLineFollows(List<String> lines, int fromIndex) {
        int last = Math.min(lines.size() - 1, fromIndex + HEADER_BLOCK_REACH);
        for (int index = fromIndex + 1; index <= last; index++) {
            if (SENT_LINE.matcher(lines.get(index)).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The index where the quoted block ending the first {@code end} lines starts, attribution included, or
     * {@code end} if these lines do not end with a quote. A block followed by an answer is not at the end, so
     * interleaved answers are kept.
     */
    private static int trailingQuoteStart(List<String> lines, int end) {
        int last = previousNonBlank(lines, end);
        if (last < 0) {
            return end;
        }
        int start = last + 1;
        while (start > 0 && (isQuoted(lines.get(start - 1)) || lines.get(start - 1).isBlank())) {
            start--;
        }
        while (start <= last && lines.get(start).isBlank()) {
            start++;
        }
        int attribution = attributionEndingAt(lines, previousNonBlank(lines, start));
        if (attribution >= 0) {
            return attribution;
        }
        // Without an attribution above it, a dangling quote is still history; no quote at all means no cut.
        return start <= last ? start : end;
    }

    /** The first line of the attribution whose last line is {@code last}, or -1 if it is not one. */
    private static int attributionEndingAt(List<String> lines, int last) {
        StringBuilder joined = new StringBuilder();
        for (int first = last; first >= 0 && first > last - MAXIMUM_ATTRIBUTION_LINES; first--) {
            String line = lines.get(first);
            if (line.isBlank() || isQuoted(line)) {
                return -1;
            }
            joined.insert(0, line.strip() + " ");
            if (joined.length() > MAXIMUM_ATTRIBUTION_LENGTH) {
                return -1;
            }
            if (ATTRIBUTION.matcher(joined).matches()) {
                return first;
            }
        }
        return -1;
    }

    /** The index of the last non-blank line before {@code index}, or -1. */
    private static int previousNonBlank(List<String> lines, int index) {
        int previous = index - 1;
        while (previous >= 0 && lines.get(previous).isBlank()) {
            previous--;
        }
        return previous;
    }

    private static boolean isQuoted(String line) {
        return QUOTED.matcher(line).matches();
    }

    private static String alternatives(Function<Language, Collection<String>> rules) {
        return LANGUAGES.stream()
                .flatMap(language -> rules.apply(language).stream())
                .distinct()
                .collect(Collectors.joining("|"));
    }

    private static List<String> quoted(List<String> labels) {
        return labels.stream().map(Pattern::quote).toList();
    }
}
