package dev.ratelimit.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with openssl and keytool, in a new directory under {@code target/tls/}:
 * a test CA, a server certificate it signs for {@code IP:127.0.0.1} and {@code DNS:localhost}, another one
 * for {@code IP:127.0.0.1} only, and truststores holding the CA, or a CA that signed nothing here.
 */
public record TestCertificates(
        Path directory,
        Path caCertificate,
        Path serverCertificate,
        Path serverKey,
        Path ipOnlyServerCertificate,
        Path ipOnlyServerKey,
        Path pkcs12Truststore,
        Path jksTruststore,
        Path untrustingTruststore) {

    public static final String TRUSTSTORE_PASSWORD = "store-Pa55-tr0ub4dor";
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    /** Why certificates cannot be made here, or null when openssl and keytool are both at hand. */
    public static String unavailableReason() {
        if (RedisFixture.onPath("openssl") == null) {
            return "openssl is not on the PATH";
        }
        return Files.isExecutable(keytool()) ? null : "the JDK has no keytool at " + keytool();
    }

    private static TestCertificates shared;

    /**
     * What makes a redis-server also listen for TLS on {@code tlsPort} with the server certificate, trusting
     * the test CA without asking clients for certificates.
     */
    public List<String> redisServerTlsArguments(int tlsPort) {
        // Absolute paths: redis-server reads them after changing to its data directory.
        return List.of(
                "--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", serverCertificate.toAbsolutePath().toString(),
                "--tls-key-file", serverKey.toAbsolutePath().toString(),
                "--tls-ca-cert-file", caCertificate.toAbsolutePath().toString(),
                "--tls-auth-clients", "no");
    }

    /** Made once per test JVM: each openssl and keytool run costs a process start. */
    public static synchronized TestCertificates shared() throws IOException {
        if (shared == null) {
            shared = generate();
        }
        return shared;
    }

    /** {@link #shared()}, or the calling test skipped, saying why, where certificates cannot be made. */
    public static TestCertificates sharedOrSkipped() throws IOException {
        String missing = unavailableReason();
        assumeTrue(missing == null, () -> "skipped: cannot make test certificates: " + missing);
        return shared();
    }

    private static TestCertificates generate() throws IOException {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tls")), "certs-")
                .toAbsolutePath();
        Path ca = authority(dir, "ca", "ratelimit test CA");
        Path stranger = authority(dir, "stranger-ca", "a CA nobody here trusts");
        Path server = signedServer(dir, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        Path ipOnly = signedServer(dir, "ip-only-server", "subjectAltName=IP:127.0.0.1");
        return new TestCertificates(
                dir,
                ca,
                server,
                dir.resolve("server.key"),
                ipOnly,
                dir.resolve("ip-only-server.key"),
                truststore(dir, "truststore.p12", "PKCS12", ca),
                truststore(dir, "truststore.jks", "JKS", ca),
                truststore(dir, "stranger-truststore.p12", "PKCS12", stranger));
    }

    private static Path authority(Path dir, String name, String commonName) throws IOException {
        run(
                dir,
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                name + ".key",
                "-out",
                name + ".crt",
                "-days",
                "2",
                "-subj",
                "/CN=" + commonName);
        return dir.resolve(name + ".crt");
    }

    private static Path signedServer(Path dir, String name, String subjectAltName) throws IOException {
        Files.writeString(dir.resolve(name + ".ext"), subjectAltName + "\n");
        run(
                dir,
                "openssl",
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                name + ".key",
                "-out",
                name + ".csr",
                "-subj",
                "/CN=" + name);
        run(
                dir,
                "openssl",
                "x509",
                "-req",
                "-in",
                name + ".csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                name + ".ext",
                "-out",
                name + ".crt");
        return dir.resolve(name + ".crt");
    }

    private static Path truststore(Path dir, String name, String type, Path certificate) throws IOException {
        run(
                dir,
                keytool().toString(),
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                certificate.toString(),
                "-keystore",
                name,
                "-storetype",
                type,
                "-storepass",
                TRUSTSTORE_PASSWORD);
        return dir.resolve(name);
    }

    private static Path keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool");
    }

    private static void run(Path dir, String... command) throws IOException {
        Path output = dir.resolve("commands.log");
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(
                        String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command[0], e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(output));
        }
    }
}
