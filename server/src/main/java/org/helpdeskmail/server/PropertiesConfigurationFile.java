package org.helpdeskmail.server;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/** One .properties file of conf/, edited line by line so that its comments survive the overlay. */
final class PropertiesConfigurationFile {
    private final String name;
    private final Path path;
    private final List<String> lines;

    private PropertiesConfigurationFile(String name, Path path, List<String> lines) {
        this.name = name;
        this.path = path;
        this.lines = lines;
    }

    static PropertiesConfigurationFile load(Path path, String name) {
        try {
            List<String> lines = Files.exists(path) ? Files.readAllLines(path, StandardCharsets.UTF_8) : List.of();
            return new PropertiesConfigurationFile(name, path, new ArrayList<>(lines));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return name;
    }

    Optional<String> get(String key) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(String.join("\n", lines)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(properties.getProperty(key)).map(String::trim).filter(value -> !value.isEmpty());
    }

    void set(String key, String value) {
        String line = key + "=" + value.replace("\\", "\\\\");
        for (int i = 0; i < lines.size(); i++) {
            String trimmed = lines.get(i).trim();
            if (trimmed.startsWith(key + "=") || trimmed.startsWith(key + " ") || trimmed.equals(key)) {
                lines.set(i, line);
                return;
            }
        }
        lines.add(line);
    }

    int integer(String key, int minimum, int maximum) {
        String value = get(key).orElseThrow(() -> new BadConfigurationException(name, key, "is missing"));
        return parseInteger(name, key, value, minimum, maximum);
    }

    static int parseInteger(String source, String key, String value, int minimum, int maximum) {
        int number;
        try {
            number = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new BadConfigurationException(source, key, "'" + value + "' is not a number");
        }
        if (number < minimum || number > maximum) {
            throw new BadConfigurationException(source, key, number + " is outside " + minimum + ".." + maximum);
        }
        return number;
    }

    void save() {
        try {
            Files.write(path, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
