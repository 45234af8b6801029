package org.helpdeskmail.bench;

import java.util.List;
import java.util.Map;

/**
 * What the greeting burst benchmark measured, written as JSON (bench/README.md, "The greeting
 * burst", describes every field).
 */
public record GreetingResult(String benchmark, boolean goalMet, Setup setup, List<Burst> bursts, Server server, String date) {

    /**
     * resolver: how the server looks up its clients' names ("system": the JVM's own resolver, as
     * deployed). mxLimits: the MX's limits on connections in the measured distribution.
     */
    public record Setup(int connections, int clientAddresses, String firstClient, String lastClient, int connectionsPerAddress,
                        long goalMs, long timeoutSeconds, String distribution, String distributionCommit, String serverJavaOpts,
                        String resolver, MxLimits mxLimits) {
    }

    /**
     * One burst. greeted: connections whose complete reply was a 220; others: what the rest got, by
     * kind. connectToGreeting: connect() start to the end of the 220 reply, greeted connections only;
     * connectToEstablished: connect() start to the TCP connection being up, every connected one.
     * greetedBySecond: how many 220s came in each whole second after connect() (0: under 1 s), which
     * shows waits that are multiples of a timeout; establishedBySecond the same for the TCP
     * connection (1 s or more: the SYN was sent again, the listen backlog was full). withinGoal: greeted within the goal. seconds:
     * first connect() to last reply.
     */
    public record Burst(int burst, int connections, int greeted, Map<String, Integer> others, LatencySummary connectToGreeting,
                        Map<Long, Integer> greetedBySecond, LatencySummary connectToEstablished, Map<Long, Integer> establishedBySecond, int withinGoal, boolean goalMet, double seconds,
                        double serverCpuSeconds, long dnsQueries, ConnectionBurst.QuitOutcome quit) {
    }

    public record Server(long pid, String logFile) {
    }
}
