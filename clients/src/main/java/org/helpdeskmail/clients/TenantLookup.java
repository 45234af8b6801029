package org.helpdeskmail.clients;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Asks the helpdesk app whether a tenant exists, so that mail for an unknown tenant is refused at
 * RCPT (the sender's server tells the sender) instead of being accepted and bounced later.
 * {@code GET <url with {tenant} replaced>}: 200 exists, 404 does not; answers are cached. Anything
 * else (an error, a timeout, the app being down) counts as "exists": a lookup problem must never
 * cost a customer's mail.
 */
public final class TenantLookup {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private record Answer(boolean exists, Instant expires) {
    }

    private final Optional<String> urlTemplate;
    private final Duration cacheDuration;
    private final Clock clock;
    private final OkHttpClient http;
    private final Map<String, Answer> cache = new ConcurrentHashMap<>();

    public TenantLookup(Optional<String> urlTemplate, Duration cacheDuration, Clock clock) {
        this.urlTemplate = urlTemplate;
        this.cacheDuration = cacheDuration;
        this.clock = clock;
        this.http = new OkHttpClient.Builder().connectTimeout(TIMEOUT).readTimeout(TIMEOUT).callTimeout(TIMEOUT.multipliedBy(2)).build();
    }

    public boolean mayExist(String tenant) {
        if (urlTemplate.isEmpty()) {
            return true;
        }
        Instant now = clock.instant();
        Answer cached = cache.get(tenant);
        if (cached != null && cached.expires().isAfter(now)) {
            return cached.exists();
        }
        Optional<Boolean> answer = ask(tenant);
        answer.ifPresent(exists -> cache.put(tenant, new Answer(exists, now.plus(cacheDuration))));
        return answer.orElse(true);
    }

    private Optional<Boolean> ask(String tenant) {
        Request request = new Request.Builder().url(urlTemplate.get().replace("{tenant}", tenant)).get().build();
        try (Response response = http.newCall(request).execute()) {
            return switch (response.code()) {
                case 200 -> Optional.of(true);
                case 404 -> Optional.of(false);
                default -> Optional.empty();
            };
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
