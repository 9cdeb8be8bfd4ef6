package dev.sandboxgate.filter.authz;

import dev.sandboxgate.filter.Refusal;
import java.nio.ByteBuffer;

/**
 * Judges a request body while the proxy relays it, for bodies too large to read before deciding (an
 * {@code upload-batch} archive). The authorization stage puts one in {@link Authorization#BODY_INSPECTOR_ATTRIBUTE};
 * the proxy shows it every chunk before relaying that chunk, holds the last chunk back until {@link #finish} has
 * passed, and on a refusal aborts the upstream request (so the sandbox never receives a whole body) and answers with
 * the refusal. One instance per request, called by one thread at a time.
 */
public interface RequestBodyInspector {

    /** Null to go on, else why the body is refused; {@code chunk} is read, not kept. */
    Refusal inspect(ByteBuffer chunk);

    /** Called once the whole body has been inspected: null to send its last chunk, else the refusal. */
    Refusal finish();
}
