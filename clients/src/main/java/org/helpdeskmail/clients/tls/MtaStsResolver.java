package org.helpdeskmail.clients.tls;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MTA-STS policy in force for a recipient domain (RFC 8461 §3 and §5.1), with the cache the
 * RFC expects senders to keep:
 * <ul>
 * <li>a fetched policy is cached for its {@code max_age};</li>
 * <li>the {@code _mta-sts} TXT record is looked up on every call (the resolver caches it per its
 *     TTL); when its {@code id} differs from the cached policy's, the policy is fetched again;</li>
 * <li>when that fetch fails, or the TXT record is missing or invalid, an unexpired cached policy
 *     stays in force: an attacker who blocks DNS or HTTPS must not turn enforcement off, and a
 *     domain withdraws its policy by publishing {@code mode: none} (§8.3);</li>
 * <li>with no TXT record and nothing cached, the domain has no policy and nothing is fetched.</li>
 * </ul>
 * Thread-safe; two deliveries to one domain at the same moment may both fetch, which is harmless.
 */
public final class MtaStsResolver {
    private static final Logger LOGGER = LoggerFactory.getLogger(MtaStsResolver.class);

    private record Cached(MtaStsPolicy policy, Instant expires) {
    }

    private final Function<String, ? extends Collection<String>> txtLookup;
    private final MtaStsPolicyFetcher fetcher;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param txtLookup the TXT records of a name, one string per record (e.g. James's
     *     {@code DNSService::findTXTRecords}); an empty collection when there are none or the lookup failed
     * @param fetcher fetches policies over HTTPS
     * @param clock decides when cached policies expire
     */
    public MtaStsResolver(Function<String, ? extends Collection<String>> txtLookup, MtaStsPolicyFetcher fetcher, Clock clock) {
        this.txtLookup = txtLookup;
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /** The policy to apply to mail for {@code domain}; empty when the domain has none (or none could be fetched). */
    public Optional<MtaStsPolicy> policyFor(String domain) {
        String name = HostNames.normalize(domain);
        Instant now = clock.instant();
        Optional<MtaStsPolicy> cached = unexpired(name, now);
        Optional<MtaStsRecord> record = MtaStsRecord.select(txtRecords(name));
        if (record.isEmpty()) {
            return cached;
        }
        String id = record.get().id();
        if (cached.isPresent() && cached.get().id().equals(id)) {
            return cached;
        }
        Optional<MtaStsPolicy> fetched = fetcher.fetch(name, id);
        if (fetched.isEmpty()) {
            cached.ifPresent(policy -> LOGGER.info("MTA-STS policy of {} id {} not fetched: the cached id {} stays in force",
                    name, id, policy.id()));
            return cached;
        }
        MtaStsPolicy policy = fetched.get();
        cache.put(name, new Cached(policy, now.plus(policy.maxAge())));
        LOGGER.info("MTA-STS policy of {}: id {}, mode {}, mx {}, max_age {} s", name, id,
                policy.mode().name().toLowerCase(Locale.ROOT), policy.mx(), policy.maxAge().toSeconds());
        return fetched;
    }

    private Optional<MtaStsPolicy> unexpired(String domain, Instant now) {
        Cached cached = cache.get(domain);
        if (cached == null) {
            return Optional.empty();
        }
        if (!now.isBefore(cached.expires())) {
            cache.remove(domain, cached);
            return Optional.empty();
        }
        return Optional.of(cached.policy());
    }

    private Collection<String> txtRecords(String domain) {
        try {
            Collection<String> records = txtLookup.apply(MtaStsRecord.recordName(domain));
            return records == null ? List.of() : records;
        } catch (RuntimeException e) {
            LOGGER.info("TXT lookup of {} failed: {}", MtaStsRecord.recordName(domain), e.toString());
            return List.of();
        }
    }
}
