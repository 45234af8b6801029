package org.helpdeskmail.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which sample each message of a run is, for a mix such as {@code 2k} or {@code 2k:9,50k:1}
 * (nine 2 kB messages for one 50 kB one). A name {@code X} is the file {@code inbound-X.eml} (or,
 * for the outbound benchmark, {@code outbound-X.eml}) of the samples folder. The order is fixed (weighted round robin over the message number), so two runs of
 * the same mix send the same bytes.
 */
public final class MessageMix {
    private final String spec;
    private final List<MessageSample> slots;

    private MessageMix(String spec, List<MessageSample> slots) {
        this.spec = spec;
        this.slots = slots;
    }

    public static MessageMix load(String spec, Path samplesDirectory) throws IOException {
        return load(spec, samplesDirectory, "inbound-", false);
    }

    /** filePrefix: "inbound-" or "outbound-"; uniqueMessageIds: see {@link MessageSample}. */
    public static MessageMix load(String spec, Path samplesDirectory, String filePrefix, boolean uniqueMessageIds) throws IOException {
        List<MessageSample> slots = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] nameAndWeight = part.trim().split(":");
            String name = nameAndWeight[0];
            int weight = nameAndWeight.length > 1 ? Integer.parseInt(nameAndWeight[1]) : 1;
            if (name.isEmpty() || weight < 1 || nameAndWeight.length > 2) {
                throw new IllegalArgumentException("bad message mix '" + spec + "': expected NAME[:WEIGHT],... e.g. 2k:9,50k:1");
            }
            MessageSample sample = MessageSample.load(name, samplesDirectory.resolve(filePrefix + name + ".eml"), uniqueMessageIds);
            for (int i = 0; i < weight; i++) {
                slots.add(sample);
            }
        }
        return new MessageMix(spec, List.copyOf(slots));
    }

    public String spec() {
        return spec;
    }

    public MessageSample sampleFor(int messageNumber) {
        return slots.get(Math.floorMod(messageNumber, slots.size()));
    }
}
