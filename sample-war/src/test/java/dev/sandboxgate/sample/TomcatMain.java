package dev.sandboxgate.sample;

import java.io.File;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * The sample WAR on embedded Tomcat 11, as a second container for the integration tests: {@code java -cp
 * <tomcat-lib>/*:<test-classes> dev.sandboxgate.sample.TomcatMain WAR PORT}. Tomcat's own WebSocket (WsSci, from
 * {@code tomcat-embed-websocket}) is found like in a standalone Tomcat; nothing of the gateway is Tomcat-specific.
 * Run only in its own JVM (see {@link GatewayProcess#startOnTomcat}): its class path holds Tomcat's Servlet API, not the build's.
 */
public final class TomcatMain {
    private TomcatMain() {
    }

    public static void main(String[] args) throws Exception {
        File war = new File(args[0]);
        int port = Integer.parseInt(args[1]);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat-it").toString());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP servlet: the WAR is the whole application
        Context context = tomcat.addWebapp("", war.getAbsolutePath());
        context.setParentClassLoader(TomcatMain.class.getClassLoader());
        tomcat.start();
        if (!context.getState().isAvailable()) {
            System.out.println("the WAR did not deploy");
            System.exit(1);
        }
        System.out.println(GatewayProcess.READY_LINE);
        tomcat.getServer().await();
    }
}
