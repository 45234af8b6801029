package org.helpdeskmail.mailets.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlToTextTest {
    private final HtmlToText htmlToText = new HtmlToText();
    private final ReplyTextStripper stripper = new ReplyTextStripper();

    @Test
    void separatesParagraphsAndCollapsesWhitespaceInsideThem() {
        String html = "<p>Hello   \n  <b>dear</b>\tworld</p><p>Second<br>line</p>";

        assertThat(htmlToText.render(html)).isEqualTo("Hello dear world\n\nSecond\nline");
    }

    @Test
    void rendersGmailDivsAndBreaksAsLines() {
        String html = "<div dir=\"ltr\">Hi,<div><br></div><div>Thanks for the quick fix.</div><div>Tom</div></div>";

        assertThat(htmlToText.render(html)).isEqualTo("Hi,\n\nThanks for the quick fix.\nTom");
    }

    @Test
    void rendersHeadingsAndTableRows() {
        String html = "<h1>Report</h1><table><tr><td>Name</td><td>Value</td></tr>"
                + "<tr><th>CPU</th><td>90%</td></tr></table><h2>End</h2>";

        assertThat(htmlToText.render(html)).isEqualTo("Report\n\nName Value\nCPU 90%\n\nEnd");
    }

    @Test
    void startsListItemsWithDashesIndentedByNesting() {
        String html = "<p>Steps:</p><ul><li>One</li><li><p>Two</p><ul><li>Nested</li></ul></li><li></li></ul>"
                + "<ol><li>First</li></ol>";

        assertThat(htmlToText.render(html)).isEqualTo("Steps:\n\n- One\n- Two\n  - Nested\n\n- First");
    }

    @Test
    void showsLinkTargetOnlyWhenTheTextDoesNotAlreadySayIt() {
        String html = "<p><a href=\"https://acme.example/reset?token=1\">Reset your password</a></p>"
                + "<p><a href=\"https://www.acme.example/\">acme.example</a></p>"
                + "<p><a href=\"mailto:support@acme.example\">support@acme.example</a></p>"
                + "<p><a href=\"#top\">Back to top</a></p>";

        assertThat(htmlToText.render(html)).isEqualTo(
                "Reset your password (https://acme.example/reset?token=1)\n\nacme.example\n\n"
                        + "support@acme.example\n\nBack to top");
    }

    @Test
    void dropsImagesButKeepsTheirAlternativeText() {
        String html = "<p>Logo: <img src=\"logo.png\" alt=\"Acme\"> <img src=\"pixel.gif\" width=\"1\"></p>"
                + "<p><a href=\"https://acme.example/shop\"><img src=\"banner.png\" alt=\"Shop\"></a>"
                + "<a href=\"https://tracker.example/open\"><img src=\"spacer.gif\"></a></p>";

        assertThat(htmlToText.render(html)).isEqualTo("Logo: [Acme]\n\n[Shop] (https://acme.example/shop)");
    }

    @Test
    void ignoresHeadStylesScriptsAndHiddenElements() {
        String html = "<html><head><title>Invoice</title><style>p { color: red; }</style></head><body>"
                + "<style>.x { display: none }</style><script>alert('x')</script><!-- comment -->"
                + "<div style=\"display:none;max-height:0\">Preview text</div><p>Visible</p></body></html>";

        assertThat(htmlToText.render(html)).isEqualTo("Visible");
    }

    @Test
    void decodesEntities() {
        String html = "<p>Fish &amp; chips &lt;3 &eacute;t&eacute;&nbsp;&nbsp;caf&#233; &euro;5&#8203;</p>";

        assertThat(htmlToText.render(html)).isEqualTo("Fish & chips <3 été café €5");
    }

    @Test
    void collapsesRunsOfBlankLines() {
        String html = "<p>a</p><br><br><br><br><p></p><div><br></div><p>b</p>";

        assertThat(htmlToText.render(html)).isEqualTo("a\n\nb");
    }

    @Test
    void keepsPreformattedText() {
        String html = "<p>Log:</p><pre>line 1\n    indented  twice</pre>";

        assertThat(htmlToText.render(html)).isEqualTo("Log:\n\nline 1\n    indented  twice");
    }

    @Test
    void prefixesBlockquoteLinesOncePerLevel() {
        String html = "<p>Reply</p><blockquote><p>Quoted one</p><p>Quoted two</p>"
                + "<blockquote>Deeper</blockquote></blockquote><p>After</p>";

        assertThat(htmlToText.render(html))
                .isEqualTo("Reply\n\n> Quoted one\n>\n> Quoted two\n>\n> > Deeper\n\nAfter");
    }

    @Test
    void returnsEmptyTextForBlankOrMissingInput() {
        assertThat(htmlToText.render(null)).isEmpty();
        assertThat(htmlToText.render("  \n")).isEmpty();
        assertThat(htmlToText.render("<html><head><title>x</title></head><body> </body></html>")).isEmpty();
    }

    @Test
    void rendersGmailReplySoThatTheStripperDropsTheQuote() {
        String html = "<div dir=\"ltr\">Hi Sarah,<div><br></div><div>Thanks, the invoice arrived.</div>"
                + "<div><br></div><div>Best,</div><div>Tom</div></div><br>"
                + "<div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Tue, Mar 12, 2024 at "
                + "10:15\u202fAM Sarah Connor &lt;<a href=\"mailto:support@acme.example\">support@acme.example</a>"
                + "&gt; wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;"
                + "border-left:1px solid rgb(204,204,204);padding-left:1ex\"><div dir=\"ltr\">Hello Tom,<div><br>"
                + "</div><div>Please find attached the invoice.</div></div></blockquote></div>";

        String text = htmlToText.render(html);

        assertThat(text).contains(
                "On Tue, Mar 12, 2024 at 10:15 AM Sarah Connor <support@acme.example> wrote:\n\n> Hello Tom,\n>\n"
                        + "> Please find attached the invoice.");
        assertThat(stripper.strip(text)).isEqualTo("Hi Sarah,\n\nThanks, the invoice arrived.\n\nBest,\nTom");
    }

    @Test
    void keepsAnswersWrittenBetweenGmailQuotes() {
        String html = "<div dir=\"ltr\">See inline.</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">"
                + "On Tue, Mar 12, 2024 at 10:15 AM Acme &lt;support@acme.example&gt; wrote:<br></div>"
                + "<blockquote class=\"gmail_quote\">Which version?</blockquote><div>3.2.1</div>"
                + "<blockquote class=\"gmail_quote\">Every computer?<br><br>Regards</blockquote></div>";

        String stripped = stripper.strip(htmlToText.render(html));

        assertThat(stripped).isEqualTo("See inline.\nOn Tue, Mar 12, 2024 at 10:15 AM Acme <support@acme.example> "
                + "wrote:\n\n> Which version?\n\n3.2.1");
    }

    @Test
    void rendersOutlookWebReplySoThatTheStripperDropsTheHistory() {
        String html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                + "<style type=\"text/css\" style=\"display:none;\"> P {margin-top:0;margin-bottom:0;} </style>"
                + "</head><body dir=\"ltr\"><div class=\"elementToProof\" style=\"font-family: Aptos, sans-serif;\">"
                + "That did the trick, thank you!</div><div class=\"elementToProof\"><br></div>"
                + "<div class=\"elementToProof\">Linda</div><div id=\"appendonsend\"></div>"
                + "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\"><div id=\"divRplyFwdMsg\" dir=\"ltr\">"
                + "<font face=\"Calibri, sans-serif\" style=\"font-size:11pt\" color=\"#000000\"><b>From:</b> "
                + "Acme Support &lt;support@acme.example&gt;<br><b>Sent:</b> Tuesday, March 12, 2024 10:15 AM<br>"
                + "<b>To:</b> Linda Park &lt;linda.park@example.com&gt;<br><b>Subject:</b> Re: [#6002] Export"
                + "</font><div>&nbsp;</div></div><div><p>Hi Linda,</p><p>Please clear the browser cache.</p></div>"
                + "</body></html>";

        String text = htmlToText.render(html);

        assertThat(text).contains("---\nFrom: Acme Support <support@acme.example>\n"
                + "Sent: Tuesday, March 12, 2024 10:15 AM\nTo: Linda Park <linda.park@example.com>\n");
        assertThat(stripper.strip(text)).isEqualTo("That did the trick, thank you!\n\nLinda");
    }

    @Test
    void rendersOutlookDesktopReplySoThatTheStripperDropsTheHistory() {
        String html = "<div class=\"WordSection1\"><p class=\"MsoNormal\">Hallo Team,<o:p></o:p></p>"
                + "<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p><p class=\"MsoNormal\">anbei die Unterlagen."
                + "<o:p></o:p></p><p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p><p class=\"MsoNormal\">Max<o:p></o:p>"
                + "</p><p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p><div><div style=\"border:none;border-top:solid "
                + "#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\"><p class=\"MsoNormal\"><b><span lang=\"DE\">Von:</span>"
                + "</b><span lang=\"DE\"> Support &lt;support@helpdesk.example&gt; <br><b>Gesendet:</b> Dienstag, "
                + "12. März 2024 10:15<br><b>An:</b> Max &lt;max@firma.example&gt;<br><b>Betreff:</b> [#4711] "
                + "Unterlagen<o:p></o:p></span></p></div></div><p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>"
                + "<p class=\"MsoNormal\">Sehr geehrter Herr Mustermann,<o:p></o:p></p></div>";

        assertThat(stripper.strip(htmlToText.render(html))).isEqualTo("Hallo Team,\n\nanbei die Unterlagen.\n\nMax");
    }

    @Test
    void rendersAppleMailReplySoThatTheStripperDropsTheQuote() {
        String html = "<html><body dir=\"auto\">Oui, merci.<br><br><div dir=\"ltr\">Envoyé de mon iPhone</div>"
                + "<div dir=\"ltr\"><br><blockquote type=\"cite\">Le 12 mars 2024 à 10:15, Support Acme "
                + "&lt;support@acme.example&gt; a écrit&nbsp;:<br><br></blockquote></div><blockquote type=\"cite\">"
                + "<div dir=\"ltr\">Bonjour Claire,</div></blockquote></body></html>";

        assertThat(stripper.strip(htmlToText.render(html))).isEqualTo("Oui, merci.\n\nEnvoyé de mon iPhone");
    }

    @Test
    void rendersThunderbirdReplySoThatTheStripperDropsTheQuote() {
        String html = "<html><body><p>Hallo,</p><p>hier die Logdatei.</p><p>Grüße<br>Stefan<br></p>"
                + "<div class=\"moz-cite-prefix\">Am 12.03.24 um 10:15 schrieb Anna Schmidt:<br></div>"
                + "<blockquote type=\"cite\" cite=\"mid:abc@support.example\"><p>Hallo Stefan,</p>"
                + "<p>können Sie uns die Logdatei schicken?</p></blockquote></body></html>";

        String text = htmlToText.render(html);

        assertThat(text).endsWith("Am 12.03.24 um 10:15 schrieb Anna Schmidt:\n\n> Hallo Stefan,\n>\n"
                + "> können Sie uns die Logdatei schicken?");
        assertThat(stripper.strip(text)).isEqualTo("Hallo,\n\nhier die Logdatei.\n\nGrüße\nStefan");
    }
}
