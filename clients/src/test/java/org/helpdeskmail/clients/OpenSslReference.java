package org.helpdeskmail.clients;

/** Computed outside Java, so the test does not check the code against itself. */
final class OpenSslReference {
    static final String HMAC = "86329fdf0f217fbf20aeaa59669081f1b0bc9efc2baa1775d979c0f90c1b5943";

    private OpenSslReference() {
    }
}
