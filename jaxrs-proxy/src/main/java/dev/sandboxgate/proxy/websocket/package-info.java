/**
 * The WebSocket relay: {@link dev.sandboxgate.proxy.websocket.WebSocketProxy} upgrades a gated request with the
 * container's Jakarta WebSocket and joins it to a JDK WebSocket to the sandbox. Everything else is package-private.
 */
package dev.sandboxgate.proxy.websocket;
