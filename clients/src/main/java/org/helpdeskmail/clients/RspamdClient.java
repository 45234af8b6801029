package org.helpdeskmail.clients;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSink;
import okio.Okio;
import okio.Source;

/**
 * Asks Rspamd what it thinks of a message: {@code POST <url>/checkv2} with the message as the body,
 * streamed, and what Rspamd cannot read from it (connection and envelope) as the request headers of
 * its protocol, the way Postfix's milter passes them: {@code IP}, {@code Hostname}, {@code Helo},
 * {@code From}, one {@code Rcpt} per recipient, {@code User}, {@code Queue-Id}.
 *
 * <p>{@code Hostname} is always sent ({@code unknown} when the client has no PTR name): without it,
 * Rspamd looks the address up itself, for every message, which costs a DNS round trip or, when its
 * resolver does not answer, a timeout per message.
 *
 * <p>One OkHttp client per instance, thread-safe; {@link #close()} releases its threads and
 * connections.
 */
public final class RspamdClient implements AutoCloseable {
    private static final MediaType MESSAGE = MediaType.get("message/rfc822");
    private static final String CHECK_PATH = "checkv2";
    private static final int MAXIMUM_DETAIL_LENGTH = 300;

    /**
     * What Rspamd made of a message.
     *
     * @param action        Rspamd's action: {@code no action}, {@code greylist}, {@code add header},
     *                      {@code rewrite subject}, {@code soft reject} or {@code reject}
     * @param requiredScore the score of the reject action (Rspamd's {@code required_score})
     * @param symbols       the names of the symbols that matched, sorted
     */
    public record Verdict(String action, double score, double requiredScore, List<String> symbols) {
        public Verdict {
            Objects.requireNonNull(action, "action");
            symbols = symbols.stream().sorted().toList();
        }
    }

    /**
     * What Rspamd needs besides the message; empty values are not sent.
     *
     * @param clientAddress the SMTP client's IP address
     * @param clientName    its PTR name; empty: sent as {@code unknown} (see the class comment)
     * @param helo          what the client said in HELO/EHLO
     * @param mailFrom      the envelope sender; {@code ""} for the null sender (sent as {@code <>})
     * @param recipients    the envelope recipients
     * @param user          the SMTP AUTH user, when the client authenticated
     * @param queueId       our identifier of the message, which Rspamd logs with its verdict
     */
    public record Envelope(Optional<String> clientAddress, Optional<String> clientName, Optional<String> helo,
                           Optional<String> mailFrom, List<String> recipients, Optional<String> user, Optional<String> queueId) {
        public Envelope {
            recipients = List.copyOf(recipients);
        }
    }

    /** Rspamd gave no verdict: not reachable, too slow, or an answer that is not one. */
    public static final class ScanFailure extends Exception {
        private static final long serialVersionUID = 1L;

        public ScanFailure(String message) {
            super(message);
        }

        public ScanFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final HttpUrl checkUrl;
    private final OkHttpClient http;
    private final JsonFactory json = new JsonFactory();

    /**
     * @param url            Rspamd's normal worker, for example {@code http://127.0.0.1:11333}; a URL
     *                       that already ends with {@code /checkv2} is used as it is
     * @param connectTimeout how long to wait for the TCP connection
     * @param timeout        how long a whole check may take, sending the message included
     */
    public RspamdClient(URI url, Duration connectTimeout, Duration timeout) {
        this.checkUrl = checkUrl(url);
        this.http = new OkHttpClient.Builder()
            .connectTimeout(connectTimeout)
            .readTimeout(timeout)
            .writeTimeout(timeout)
            .callTimeout(timeout)
            // The body is a stream, read once: a retry would send an empty or partial message.
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .build();
    }

    static HttpUrl checkUrl(URI url) {
        HttpUrl base = HttpUrl.get(url.toString());
        List<String> segments = base.pathSegments();
        if (!segments.isEmpty() && segments.get(segments.size() - 1).equals(CHECK_PATH)) {
            return base;
        }
        HttpUrl.Builder builder = base.newBuilder();
        if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
            // http://host:port/ has one empty segment: replace it rather than produce "//checkv2".
            builder.removePathSegment(segments.size() - 1);
        }
        return builder.addPathSegment(CHECK_PATH).build();
    }

    /** The URL checks go to. */
    public URI checkUrl() {
        return checkUrl.uri();
    }

    /**
     * Sends the message, read from {@code message} up to its end (the caller closes it), and returns
     * Rspamd's verdict.
     */
    public Verdict check(Envelope envelope, InputStream message) throws ScanFailure {
        Request request = new Request.Builder()
            .url(checkUrl)
            .headers(headers(envelope))
            .post(new StreamBody(message))
            .build();
        try (Response response = http.newCall(request).execute()) {
            ResponseBody body = response.body();
            String text = body == null ? "" : body.string();
            if (!response.isSuccessful()) {
                throw new ScanFailure("Rspamd answered HTTP " + response.code() + detail(text));
            }
            return parse(text);
        } catch (IOException e) {
            throw new ScanFailure("Rspamd at " + checkUrl + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    static Headers headers(Envelope envelope) {
        Headers.Builder headers = new Headers.Builder();
        envelope.clientAddress().ifPresent(ip -> add(headers, "IP", ip));
        add(headers, "Hostname", envelope.clientName().filter(name -> !name.isBlank()).orElse("unknown"));
        envelope.helo().filter(helo -> !helo.isBlank()).ifPresent(helo -> add(headers, "Helo", helo));
        envelope.mailFrom().ifPresent(sender -> add(headers, "From", sender.isEmpty() ? "<>" : sender));
        envelope.recipients().forEach(recipient -> add(headers, "Rcpt", recipient));
        envelope.user().ifPresent(user -> add(headers, "User", user));
        envelope.queueId().ifPresent(id -> add(headers, "Queue-Id", id));
        return headers.build();
    }

    /**
     * SMTPUTF8 addresses and HELO names may be UTF-8, which OkHttp's checked {@code add} refuses;
     * the unchecked one would then also let a CR or LF split the request, so those are dropped here.
     */
    private static void add(Headers.Builder headers, String name, String value) {
        StringBuilder clean = new StringBuilder(value.length());
        value.codePoints().filter(c -> c >= 0x20 && c != 0x7F).forEach(clean::appendCodePoint);
        headers.addUnsafeNonAscii(name, clean.toString().strip());
    }

    /** Reads Rspamd's JSON reply with the streaming parser; unknown fields are skipped. */
    Verdict parse(String reply) throws ScanFailure {
        String action = null;
        Double score = null;
        double requiredScore = Double.NaN;
        List<String> symbols = new ArrayList<>();
        String error = null;
        try (JsonParser parser = json.createParser(reply)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new ScanFailure("Rspamd's reply is not a JSON object" + detail(reply));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.getCurrentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "action" -> action = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "score" -> score = value.isNumeric() ? parser.getDoubleValue() : null;
                    case "required_score" -> requiredScore = value.isNumeric() ? parser.getDoubleValue() : Double.NaN;
                    case "error" -> error = parser.getText();
                    case "symbols" -> {
                        if (value == JsonToken.START_OBJECT) {
                            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                                symbols.add(parser.getCurrentName());
                                parser.nextToken();
                                parser.skipChildren();
                            }
                        } else {
                            parser.skipChildren();
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new ScanFailure("Rspamd's reply is not valid JSON: " + e.getOriginalMessage() + detail(reply), e);
        } catch (IOException e) {
            throw new ScanFailure("Rspamd's reply could not be read: " + e.getMessage(), e);
        }
        if (error != null) {
            throw new ScanFailure("Rspamd could not check the message: " + error);
        }
        if (action == null || score == null) {
            throw new ScanFailure("Rspamd's reply has no action or score" + detail(reply));
        }
        return new Verdict(action, score, requiredScore, symbols);
    }

    private static String detail(String text) {
        String stripped = text.strip();
        if (stripped.isEmpty()) {
            return "";
        }
        return ": " + (stripped.length() <= MAXIMUM_DETAIL_LENGTH ? stripped : stripped.substring(0, MAXIMUM_DETAIL_LENGTH) + "...");
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** The message, copied from the stream while OkHttp writes the request: never held whole in memory. */
    private static final class StreamBody extends RequestBody {
        private final InputStream message;

        StreamBody(InputStream message) {
            this.message = message;
        }

        @Override
        public MediaType contentType() {
            return MESSAGE;
        }

        /** Unknown: sent chunked, which Rspamd accepts. */
        @Override
        public long contentLength() {
            return -1;
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            // Not closed here: the stream belongs to the caller.
            Source source = Okio.source(message);
            sink.writeAll(source);
        }
    }
}
