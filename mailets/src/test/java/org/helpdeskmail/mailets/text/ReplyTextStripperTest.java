package org.helpdeskmail.mailets.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ReplyTextStripperTest {
    /**
     * Replies as each client writes them, in {@code replies/<name>.txt}, and what the sender wrote, in
     * {@code replies/<name>.expected.txt}. The name is client-language.
     */
    private static final List<String> SAMPLES = List.of(
            "gmail-en", "gmail-de", "gmail-fr", "gmail-es", "gmail-nl", "gmail-pt",
            "outlook-desktop-en", "outlook-desktop-de", "outlook-desktop-fr", "outlook-desktop-es",
            "outlook-desktop-nl", "outlook-desktop-pt",
            "outlook-web-en", "outlook-web-nl", "outlook-web-pt",
            "outlook-mac-en", "outlook-mac-de",
            "apple-mail-en", "apple-mail-de", "apple-mail-fr", "apple-mail-es", "apple-mail-nl", "apple-mail-pt",
            "thunderbird-en", "thunderbird-de", "thunderbird-fr", "thunderbird-es", "thunderbird-nl",
            "thunderbird-pt");

    private final ReplyTextStripper stripper = new ReplyTextStripper();

    static Stream<String> samples() {
        return SAMPLES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void keepsOnlyWhatTheSenderWrote(String sample) {
        String stripped = stripper.strip(resource(sample + ".txt"));

        assertThat(stripped).isEqualTo(resource(sample + ".expected.txt").stripTrailing());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void readsCrlfLinesAndWritesLf(String sample) {
        String stripped = stripper.strip(resource(sample + ".txt").replace("\n", "\r\n"));

        assertThat(stripped).isEqualTo(resource(sample + ".expected.txt").stripTrailing());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void strippingTwiceChangesNothingMore(String sample) {
        String stripped = stripper.strip(resource(sample + ".txt"));

        assertThat(stripper.strip(stripped)).isEqualTo(stripped);
    }

    @Test
    void samplesCoverEveryClientAndEveryLanguage() {
        for (String client : List.of("gmail-", "outlook-desktop-", "outlook-web-", "apple-mail-", "thunderbird-")) {
            assertThat(SAMPLES).as(client).anyMatch(sample -> sample.startsWith(client));
        }
        for (String language : List.of("-en", "-de", "-fr", "-es", "-nl", "-pt")) {
            assertThat(SAMPLES).as(language).anyMatch(sample -> sample.endsWith(language));
        }
    }

    @Test
    void returnsMessageWithoutQuoteUnchangedButForTrailingWhitespace() {
        String message = "Hello,\n\n  please reset my password.\n> is not a quote when followed by text\nThanks\n";

        assertThat(stripper.strip(message + "\n\n \t\n"))
                .isEqualTo("Hello,\n\n  please reset my password.\n> is not a quote when followed by text\nThanks");
    }

    @Test
    void returnsEmptyTextForBlankOrMissingInput() {
        assertThat(stripper.strip("")).isEmpty();
        assertThat(stripper.strip(" \r\n\t\n ")).isEmpty();
        assertThat(stripper.strip(null)).isEmpty();
    }

    @Test
    void turnsCrlfAndLoneCarriageReturnsIntoLineFeeds() {
        String reply = "Thanks!\r\nSee you\rtomorrow\r\n\r\n"
                + "On Tue, Mar 12, 2024 at 10:15 AM Sarah <sarah@acme.example> wrote:\r\n> Hi\r\n";

        assertThat(stripper.strip(reply)).isEqualTo("Thanks!\nSee you\ntomorrow");
    }

    @Test
    void keepsAnswersInterleavedWithQuotesAndDropsTheQuoteAfterTheLastOne() {
        String answers = """
                Hi,

                On Tue, Mar 12, 2024 at 10:15 AM Acme Support <support@acme.example> wrote:
                > 1. Which version are you running?

                3.2.1

                > 2. Does the error happen on every computer?

                Only on the laptop.""";
        String reply = answers + """


                > Kind regards,
                > Acme Support
                """;

        assertThat(stripper.strip(reply)).isEqualTo(answers);
    }

    @Test
    void keepsBottomPostedAnswerWhole() {
        String reply = """
                On 3/12/24 10:15 AM, Acme Support wrote:
                > Could you send us the log?

                Here it is.

                --\s
                Mark""";

        assertThat(stripper.strip(reply)).isEqualTo(reply);
    }

    @Test
    void doesNotCutAtFromLineWithoutSentLine() {
        String message = """
                Hi,

                I got a letter
                From: the licensing team at Contoso
                saying our licence expires soon. Can you check?

                Thanks
                Anna""";

        assertThat(stripper.strip(message)).isEqualTo(message);
    }

    @Test
    void doesNotCutAtFromLineWhoseSentLineIsTooFarBelow() {
        String message = """
                From: the team
                one
                two
                three
                four
                Sent: Tuesday, March 12, 2024 10:15 AM""";

        assertThat(stripper.strip(message)).isEqualTo(message);
    }

    @Test
    void doesNotCutAtDateLineWithoutDate() {
        String message = "Agenda\nFrom: the sales team\nDate: to be agreed\nTopic: renewal";

        assertThat(stripper.strip(message)).isEqualTo(message);
    }

    @Test
    void cutsAtTheFirstOfSeveralOutlookHeaderBlocks() {
        String reply = """
                Done, see attachment.

                From: Acme Support <support@acme.example>
                Sent: Tuesday, March 12, 2024 10:15 AM
                Subject: RE: Report

                Please send the report.

                From: Peter Miller <peter@contoso.example>
                Sent: Monday, March 11, 2024 09:00 AM
                Subject: Report

                Where is the report?""";

        assertThat(stripper.strip(reply)).isEqualTo("Done, see attachment.");
    }

    @Test
    void cutsAtOutlookHeaderWithBoldLabelsAsGmailRendersThem() {
        String reply = """
                Thanks

                *From:* Acme Support <support@acme.example>
                *Sent:* Tuesday, March 12, 2024 10:15 AM
                *To:* Peter <peter@contoso.example>
                *Subject:* RE: Report

                Please send the report.""";

        assertThat(stripper.strip(reply)).isEqualTo("Thanks");
    }

    @Test
    void cutsAtOriginalMessageSeparatorAlone() {
        String reply = "Approved.\n\n-----Original Message-----\nCan you approve the purchase order?";

        assertThat(stripper.strip(reply)).isEqualTo("Approved.");
    }

    @Test
    void doesNotCutAtRuleWithoutHeaderBlock() {
        String message = "Totals\n______\n42 tickets\n---\nend of report";

        assertThat(stripper.strip(message)).isEqualTo(message);
    }

    @Test
    void dropsQuoteWithoutAttribution() {
        assertThat(stripper.strip("Agreed.\n\n> Shall we ship on Friday?\n>\n")).isEqualTo("Agreed.");
    }

    @Test
    void dropsAttributionLeftWithoutItsQuote() {
        String reply = "Done.\n\nOn Tue, Mar 12, 2024 at 10:15 AM Sarah <sarah@acme.example> wrote:\n\n";

        assertThat(stripper.strip(reply)).isEqualTo("Done.");
    }

    @Test
    void keepsSentenceEndingInWroteWithoutDate() {
        String reply = "See below.\n\nOn Monday Bob wrote:\n> The server is down.";

        assertThat(stripper.strip(reply)).isEqualTo("See below.\n\nOn Monday Bob wrote:");
    }

    @Test
    void keepsSignature() {
        String reply = "Fixed.\n\n-- \nMark Brown\n+1 555 0100\n\nOn 3/12/24 10:15 AM, Acme wrote:\n> Broken?";

        assertThat(stripper.strip(reply)).isEqualTo("Fixed.\n\n-- \nMark Brown\n+1 555 0100");
    }

    @Test
    void returnsWholeTextTrimmedWhenItIsOnlyHistory() {
        assertThat(stripper.strip("\n> Only a quote\n> and nothing else\n\n"))
                .isEqualTo("> Only a quote\n> and nothing else");
        assertThat(stripper.strip("From: Acme <a@acme.example>\nSent: Tuesday, March 12, 2024 10:15\n\nHello\n"))
                .isEqualTo("From: Acme <a@acme.example>\nSent: Tuesday, March 12, 2024 10:15\n\nHello");
    }

    @Test
    @Timeout(5)
    void staysFastOnHugeLines() {
        String huge = "On " + "1 2 ".repeat(50_000);
        String reply = huge + "\n" + huge + "\n> quote\n";

        assertThat(stripper.strip(reply)).isEqualTo(huge + "\n" + huge.stripTrailing());
    }

    private static String resource(String name) {
        try (InputStream stream = ReplyTextStripperTest.class.getResourceAsStream("/replies/" + name)) {
            assertThat(stream).as("test resource replies/%s", name).isNotNull();
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
