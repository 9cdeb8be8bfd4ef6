package dev.sandboxgate.benchmarks;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

/** The filter's init-params, as {@code web.xml} would give them, in the servlet context a benchmark chose. */
record InMemoryFilterConfig(Map<String, String> params, ServletContext context) implements FilterConfig {
    @Override
    public String getFilterName() {
        return "SandboxAuthFilter";
    }

    @Override
    public ServletContext getServletContext() {
        return context;
    }

    @Override
    public String getInitParameter(String name) {
        return params.get(name);
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(params.keySet());
    }
}
