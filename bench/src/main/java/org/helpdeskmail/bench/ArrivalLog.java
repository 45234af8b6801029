package org.helpdeskmail.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a receiving end of the benchmark saw (the webhook receiver, the sink MX): for each benchmark
 * token every arrival that carried it, first one first, and counters over every arrival. A token
 * seen again is a duplicate (a retry); an arrival without token is counted apart (e.g. the server's
 * own mail).
 *
 * @param <A> what is kept of an arrival (at least when it arrived)
 */
final class ArrivalLog<A> {
    /** Tokens look like bench-RUN-N (measured messages) or bench-RUN-wN (warm-up). */
    static final Pattern TOKEN = Pattern.compile("bench-[0-9a-z]+-w?[0-9]+");

    /** Counters over every arrival so far. */
    record Counts(long arrivals, long bytes, long withoutToken, long duplicates) {
    }

    /** Lists of one or two in practice: copied on append, so a reader never sees one being changed. */
    private final Map<String, List<A>> byToken = new ConcurrentHashMap<>();
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong withoutToken = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();

    /** The benchmark token in a text (a subject), if any. */
    static Optional<String> tokenIn(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher token = TOKEN.matcher(text);
        return token.find() ? Optional.of(token.group()) : Optional.empty();
    }

    void record(Optional<String> token, A arrival, long size) {
        arrivals.incrementAndGet();
        bytes.addAndGet(size);
        if (token.isEmpty()) {
            withoutToken.incrementAndGet();
        } else if (byToken.merge(token.get(), List.of(arrival), ArrivalLog::append).size() > 1) {
            duplicates.incrementAndGet();
        }
    }

    Counts counts() {
        return new Counts(arrivals.get(), bytes.get(), withoutToken.get(), duplicates.get());
    }

    private static <A> List<A> append(List<A> earlier, List<A> later) {
        List<A> all = new ArrayList<>(earlier);
        all.addAll(later);
        return List.copyOf(all);
    }

    Optional<A> first(String token) {
        return all(token).stream().findFirst();
    }

    /** Every arrival that carried the token, in the order they were recorded; empty if none. */
    List<A> all(String token) {
        return byToken.getOrDefault(token, List.of());
    }

    /** Waits until each of the tokens arrived; false when the timeout came first. */
    boolean awaitAll(Collection<String> tokens, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Polling is fine here: the end time that counts is each arrival's own time, not when we notice it.
        while (!byToken.keySet().containsAll(tokens)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Every token that arrived so far. */
    Set<String> tokens() {
        return Set.copyOf(byToken.keySet());
    }

    long receivedOf(Collection<String> tokens) {
        return tokens.stream().filter(byToken::containsKey).count();
    }
}
