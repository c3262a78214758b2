package org.karavel.admin.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer token that state-changing requests from {@code trusted_hosts} must carry when
 * {@code token_file} is set: without it any local user (or a browser tricked into it) could change
 * the queue. The file is made on first start (32 random bytes, mode 0640: the service user and its
 * group) and read again at every check, so replacing it rotates the token at once. A file that is a
 * symbolic link, that others may read or that the group may write is refused, never used.
 */
final class AdminToken {
    static final String CHALLENGE = "Bearer realm=\"karavel\"";
    private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);
    private static final int MIN_LENGTH = 16;
    private static final int MAX_LENGTH = 4096;
    private static final Set<PosixFilePermission> FORBIDDEN = EnumSet.of(
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private final Path file;

    AdminToken(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Creates the file with a fresh token if there is none (never through a link); logs what is wrong with it. */
    void prepare() {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                create();
            }
            read();
        } catch (IOException | IllegalStateException e) {
            LOG.error(
                    "admin API: token_file {} in etc/org.karavel.admin.cfg cannot be used: {}. State-changing "
                            + "requests from trusted_hosts are refused until it is fixed",
                    file,
                    e.getMessage());
        }
    }

    /** Admits a request whose Authorization header carries the token; throws 401 or 503 otherwise. */
    void check(String authorization) {
        byte[] expected;
        try {
            expected = read();
        } catch (IOException | IllegalStateException e) {
            LOG.error("admin API: token_file {} cannot be used: {}", file, e.getMessage());
            throw new ApiError(503, "token_unavailable", "the admin token file cannot be used; see karaf.log");
        }
        String given = bearer(authorization);
        if (given == null) {
            throw new ApiError(
                    401,
                    "token_required",
                    "a request that changes state needs Authorization: Bearer " + "<the token in " + file + ">",
                    Map.of("WWW-Authenticate", CHALLENGE));
        }
        if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(
                    401,
                    "bad_token",
                    "the bearer token is not the one in " + file,
                    Map.of("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\""));
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String[] parts = authorization.strip().split("\\s+", 2);
        return parts.length == 2 && parts[0].equalsIgnoreCase("Bearer") ? parts[1].strip() : null;
    }

    private byte[] read() throws IOException {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("it does not exist");
        }
        if (attributes.isSymbolicLink() || !attributes.isRegularFile()) {
            throw new IllegalStateException("it is not a regular file (a symbolic link is refused)");
        }
        Set<PosixFilePermission> wrong = EnumSet.copyOf(FORBIDDEN);
        wrong.retainAll(attributes.permissions());
        if (!wrong.isEmpty()) {
            throw new IllegalStateException("its mode is " + PosixFilePermissions.toString(attributes.permissions())
                    + ": only the service user and its group may read it (chmod 0640)");
        }
        if (attributes.size() > MAX_LENGTH) {
            throw new IllegalStateException("it is larger than " + MAX_LENGTH + " bytes");
        }
        byte[] content;
        try (SeekableByteChannel in =
                Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_LENGTH + 1);
            while (in.read(buffer) > 0 && buffer.hasRemaining()) {
                // read to the end
            }
            content = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8)
                    .strip()
                    .getBytes(StandardCharsets.UTF_8);
        }
        if (content.length < MIN_LENGTH) {
            throw new IllegalStateException("the token in it is shorter than " + MIN_LENGTH + " characters");
        }
        return content;
    }

    private void create() throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // CREATE_NEW never follows or replaces a link planted meanwhile
        try (FileChannel out = FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")))) {
            out.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
            out.force(true);
        } catch (FileAlreadyExistsException e) {
            return; // made by someone else meanwhile: read() checks it
        }
        LOG.info(
                "admin API: made a new bearer token in {} (mode 0640); state-changing requests from trusted_hosts "
                        + "must send it as Authorization: Bearer",
                file);
    }
}
