package org.helpdeskmail.server.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.james.protocols.netty.CommandInjectionDetectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;

class SmtpLineFramerTest {
    private static final int LIMIT = 8192;

    private final DataPhase dataPhase = new DataPhase();
    private final List<Throwable> errors = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(dataPhase, new SmtpLineFramer(LIMIT, dataPhase),
        new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                ctx.fireChannelRead(message);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                errors.add(cause);
            }
        });

    private List<String> send(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        List<String> frames = new ArrayList<>();
        for (ByteBuf frame = channel.readInbound(); frame != null; frame = channel.readInbound()) {
            frames.add(frame.toString(StandardCharsets.ISO_8859_1));
            frame.release();
        }
        return frames;
    }

    private void serverAnswers354() {
        channel.writeOutbound(Unpooled.copiedBuffer("354 go ahead\r\n", StandardCharsets.US_ASCII));
        ((ByteBuf) channel.readOutbound()).release();
    }

    /** What James's DATA handler stores: each piece, a leading dot of dot-stuffing removed, one after the other. */
    private static String stored(List<String> frames) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (String frame : frames) {
            String kept = frame.startsWith("..") ? frame.substring(1) : frame;
            content.writeBytes(kept.getBytes(StandardCharsets.ISO_8859_1));
        }
        return content.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void commandsEndingInBareLineFeedsReachTheHandlersWithCrlf() {
        assertThat(send("EHLO client.example\r\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.net>\r\n"))
            .containsExactly("EHLO client.example\r\n", "MAIL FROM:<a@example.org>\r\n", "RCPT TO:<b@example.net>\r\n");
    }

    @Test
    void anOverlongCommandIsSkippedAndAnsweredOnceThenTheNextCommandIsRead() {
        List<String> frames = send("MAIL FROM:<" + "a".repeat(LIMIT * 3) + "@example.org>\r\nNOOP\r\n");

        assertThat(frames).containsExactly("NOOP\r\n");
        assertThat(errors).hasSize(1).first().isInstanceOf(TooLongFrameException.class);
    }

    @Test
    void anOverlongCommandArrivingInSeveralReadsIsAnsweredOnce() {
        assertThat(send("X".repeat(LIMIT + 10))).isEmpty();
        assertThat(send("Y".repeat(LIMIT))).isEmpty();
        assertThat(send("Z\r\nQUIT\r\n")).containsExactly("QUIT\r\n");
        assertThat(errors).hasSize(1);
    }

    @Test
    void contentLinesOfAnyLengthAreStoredWholeAndNeverAnswered() {
        serverAnswers354();
        String html = "<p>" + ".".repeat(3 * LIMIT) + "</p>";
        String message = "Subject: long\r\n\r\n" + html + "\r\n.." + "x".repeat(LIMIT * 2) + "\r\n";
        List<String> frames = send(message + ".\r\nQUIT\r\n");

        assertThat(errors).isEmpty();
        assertThat(frames).allSatisfy(frame -> assertThat(frame.length()).isLessThanOrEqualTo(LIMIT + 1));
        int end = frames.indexOf(".\r\n");
        assertThat(end).isEqualTo(frames.size() - 2);
        assertThat(stored(frames.subList(0, end))).isEqualTo("Subject: long\r\n\r\n" + html + "\r\n." + "x".repeat(LIMIT * 2) + "\r\n");
        assertThat(frames.get(frames.size() - 1)).as("after the end of DATA, commands again").isEqualTo("QUIT\r\n");
    }

    @Test
    void aLongLineCutJustBeforeItsEndLeavesNoEmptyLine() {
        serverAnswers354();
        for (int length = LIMIT - 4; length <= LIMIT + 4; length++) {
            for (String end : List.of("\r\n", "\n")) {
                List<String> frames = send("a".repeat(length) + end);
                assertThat(frames).noneMatch(frame -> frame.equals("\r\n") || frame.equals(".\r\n"));
                assertThat(stored(frames)).isEqualTo("a".repeat(length) + "\r\n");
            }
        }
    }

    @Test
    void bareLineFeedsInContentAreStoredAsCrlf() {
        serverAnswers354();
        List<String> frames = send("Subject: sloppy\n\nline one\nline two\r\n.\r\n");

        assertThat(frames).containsExactly("Subject: sloppy\r\n", "\r\n", "line one\r\n", "line two\r\n", ".\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r"})
    void noSmugglingVariantEndsTheMessage(String smuggled) {
        serverAnswers354();
        String second = "MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@helpdesk.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n";
        List<String> frames = send("Subject: first\r\n\r\nfirst" + smuggled + second + ".\r\nQUIT\r\n");

        assertThat(frames.stream().filter(frame -> frame.equals(".\r\n"))).as("one end of DATA only").hasSize(1);
        assertThat(frames.get(frames.size() - 2)).isEqualTo(".\r\n");
        assertThat(frames.get(frames.size() - 1)).isEqualTo("QUIT\r\n");
        assertThat(stored(frames.subList(0, frames.size() - 2))).contains("Subject: smuggled").contains("MAIL FROM:<admin@bank.example>");
    }

    @Test
    void startTlsFollowedByMoreCommandsInTheSameReadIsRefused() {
        send("STARTTLS\r\nMAIL FROM:<a@example.org>\r\n");

        assertThat(errors).singleElement().satisfies(error ->
            assertThat(error).hasRootCauseInstanceOf(CommandInjectionDetectedException.class));
    }
}
