package dev.sandboxgate.filter;

/**
 * An init-param is missing or invalid. Thrown at start-up so that deployment stops with a message naming the
 * init-param and its value (masked for secrets); never thrown while serving a request.
 */
public class ConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }
}
