package org.helpdeskmail.testing.dns;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * The data of one zone, immutable once parsed, and the lookup rules of an authoritative server
 * (RFC 1034 §4.3.2) inside it: exact matches, CNAMEs, empty non-terminals (RFC 8020: they exist,
 * so NODATA, not NXDOMAIN) and wildcards (RFC 4592, synthesised from the closest encloser).
 *
 * <p>Delegations are not modelled: an NS set below the apex is plain data. The tests need answers
 * from a single server, never referrals.
 *
 * <p>dnsjava's own {@code org.xbill.DNS.Zone} is not used: it answers NXDOMAIN for empty
 * non-terminals (so a DNSBL parent such as {@code 0.0.127.zen.example} would look nonexistent) and
 * matches wildcards without looking for the closest encloser.
 */
final class TestZone {
    /** TTL of records that give none when the text has no {@code $TTL}, so one-line records work. */
    static final long DEFAULT_TTL = 300;

    /**
     * The SOA given to zones whose text has none: negative answers need one (RFC 2308), and tests
     * rarely care about its values. A short minimum keeps negative caching short.
     */
    private static final long SYNTHESISED_SOA_TTL = 60;

    private static final Name WILDCARD_LABEL = Name.fromConstantString("*");

    enum Kind { ANSWER, CNAME, NODATA, NXDOMAIN }

    /** The outcome of a lookup; {@code rrsets} is the answer (ANSWER, CNAME) or empty. */
    record Result(Kind kind, List<RRset> rrsets) {
        static final Result NODATA = new Result(Kind.NODATA, List.of());
        static final Result NXDOMAIN = new Result(Kind.NXDOMAIN, List.of());
    }

    private final Name origin;
    /** The records as the tests gave them (no synthesised SOA), to extend the zone later. */
    private final List<Record> records;
    private final SOARecord negativeSoa;
    /** Owner name to its RRsets by type; Name equality and hashing ignore case, as DNS does. */
    private final Map<Name, Map<Integer, RRset>> nodes;
    /** Every owner name and each of its ancestors up to the origin: the names that exist. */
    private final Set<Name> existingNames;

    private TestZone(Name origin, List<Record> records) {
        this.origin = origin;
        this.records = List.copyOf(records);
        Map<Name, Map<Integer, RRset>> byName = new LinkedHashMap<>();
        Set<Name> existing = new HashSet<>();
        existing.add(origin);
        SOARecord soa = null;
        for (Record record : this.records) {
            Name owner = record.getName();
            if (!owner.subdomain(origin)) {
                throw new IllegalArgumentException(owner + " is outside the zone " + origin);
            }
            if (record.getDClass() != DClass.IN) {
                throw new IllegalArgumentException("only class IN is served: " + record);
            }
            if (record instanceof SOARecord soaRecord) {
                if (!owner.equals(origin) || soa != null) {
                    throw new IllegalArgumentException("a zone has exactly one SOA, at its origin: " + record);
                }
                soa = soaRecord;
            }
            byName.computeIfAbsent(owner, name -> new LinkedHashMap<>())
                    .computeIfAbsent(record.getRRsetType(), type -> new RRset())
                    .addRR(record);
            for (Name name = owner; !name.equals(origin); name = new Name(name, 1)) {
                existing.add(name);
            }
        }
        byName.forEach((owner, sets) -> {
            // RFC 1034 §3.6.2: a CNAME is alone at its name; anything else makes the answer ambiguous.
            if (sets.containsKey(Type.CNAME) && (sets.size() > 1 || sets.get(Type.CNAME).size() > 1)) {
                throw new IllegalArgumentException("a CNAME must be the only record of " + owner);
            }
        });
        Map<Name, Map<Integer, RRset>> frozen = new LinkedHashMap<>();
        byName.forEach((owner, sets) -> frozen.put(owner, Collections.unmodifiableMap(sets)));
        this.nodes = Collections.unmodifiableMap(frozen);
        this.existingNames = Collections.unmodifiableSet(existing);
        this.negativeSoa = negativeSoa(soa != null ? soa : synthesisedSoa(origin));
    }

    /** Parses a zone from master-file text (RFC 1035 §5), relative names being under {@code origin}. */
    static TestZone parse(Name origin, String zoneFileText) {
        return new TestZone(origin, parseRecords(origin, zoneFileText));
    }

    /** This zone plus the records of {@code zoneFileText}. */
    TestZone withRecords(String zoneFileText) {
        List<Record> all = new ArrayList<>(records);
        all.addAll(parseRecords(origin, zoneFileText));
        return new TestZone(origin, all);
    }

    Name origin() {
        return origin;
    }

    /** The SOA to put in the authority section of negative answers, TTL lowered as RFC 2308 §3 says. */
    SOARecord negativeSoa() {
        return negativeSoa;
    }

    Result lookup(Name qname, int qtype) {
        Map<Integer, RRset> node = nodes.get(qname);
        if (node == null && existingNames.contains(qname)) {
            return Result.NODATA; // an empty non-terminal
        }
        if (node == null) {
            node = wildcardMatching(qname);
        }
        if (node == null) {
            return Result.NXDOMAIN;
        }
        if (qtype == Type.ANY) {
            return new Result(Kind.ANSWER, node.values().stream().map(set -> ownedBy(set, qname)).toList());
        }
        RRset exact = node.get(qtype);
        if (exact != null) {
            return new Result(Kind.ANSWER, List.of(ownedBy(exact, qname)));
        }
        RRset cname = node.get(Type.CNAME);
        if (cname != null) {
            return new Result(Kind.CNAME, List.of(ownedBy(cname, qname)));
        }
        return Result.NODATA;
    }

    /**
     * The wildcard node that answers for a name that does not exist (RFC 4592 §3.3.1): the one
     * directly under its closest encloser, if any; a wildcard further up does not apply.
     */
    private Map<Integer, RRset> wildcardMatching(Name qname) {
        for (int strip = 1; strip <= qname.labels() - origin.labels(); strip++) {
            Name ancestor = new Name(qname, strip);
            if (existingNames.contains(ancestor)) {
                try {
                    return nodes.get(Name.concatenate(WILDCARD_LABEL, ancestor));
                } catch (NameTooLongException e) {
                    return null; // cannot happen: the wildcard is shorter than qname
                }
            }
        }
        return null;
    }

    /** The RRset as owned by {@code owner}: a wildcard answer carries the name asked for. */
    private static RRset ownedBy(RRset set, Name owner) {
        if (set.getName().equals(owner)) {
            return set;
        }
        RRset renamed = new RRset();
        set.rrs(false).forEach(record -> renamed.addRR(record.withName(owner)));
        return renamed;
    }

    private static List<Record> parseRecords(Name origin, String zoneFileText) {
        List<Record> parsed = new ArrayList<>();
        byte[] text = zoneFileText.getBytes(StandardCharsets.UTF_8);
        try (Master master = new Master(new ByteArrayInputStream(text), origin, DEFAULT_TTL)) {
            // The zone is the text the test wrote; a $INCLUDE would make it depend on the file system.
            master.disableIncludes();
            for (Record record = master.nextRecord(); record != null; record = master.nextRecord()) {
                parsed.add(record);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid zone text for " + origin + ": " + e.getMessage(), e);
        }
        return parsed;
    }

    private static SOARecord synthesisedSoa(Name origin) {
        try {
            return new SOARecord(origin, DClass.IN, SYNTHESISED_SOA_TTL,
                    Name.concatenate(Name.fromConstantString("ns"), origin),
                    Name.concatenate(Name.fromConstantString("hostmaster"), origin),
                    1, 3600, 600, 86400, SYNTHESISED_SOA_TTL);
        } catch (NameTooLongException e) {
            throw new IllegalArgumentException("zone origin too long to synthesise its SOA: " + origin, e);
        }
    }

    private static SOARecord negativeSoa(SOARecord soa) {
        long ttl = Math.min(soa.getTTL(), soa.getMinimum());
        return new SOARecord(soa.getName(), soa.getDClass(), ttl, soa.getHost(), soa.getAdmin(),
                soa.getSerial(), soa.getRefresh(), soa.getRetry(), soa.getExpire(), soa.getMinimum());
    }
}
