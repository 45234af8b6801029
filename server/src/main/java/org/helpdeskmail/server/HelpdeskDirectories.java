package org.helpdeskmail.server;

import java.nio.file.Path;

import org.apache.james.filesystem.api.JamesDirectoriesProvider;
import org.apache.james.server.core.configuration.Configuration;

/**
 * Where James finds {@code file://conf/} (the effective configuration under var/conf/) and
 * {@code file://var/} (HELPDESK_VAR_DIR), wherever the distribution itself is installed.
 */
record HelpdeskDirectories(Path home, Path var) implements JamesDirectoriesProvider, Configuration {

    Path effectiveConfiguration() {
        return var.resolve("conf");
    }

    @Override
    public String getAbsoluteDirectory() {
        return home.toString() + "/";
    }

    @Override
    public String getConfDirectory() {
        return effectiveConfiguration() + "/";
    }

    @Override
    public String getVarDirectory() {
        return var + "/";
    }

    @Override
    public String getRootDirectory() {
        return home.toString();
    }

    @Override
    public ConfigurationPath configurationPath() {
        return new ConfigurationPath("file://conf/");
    }

    @Override
    public JamesDirectoriesProvider directories() {
        return this;
    }
}
