package org.karavel.shell.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.karavel.api.filter.SmtpFilter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** {@code mta:filters}: the active SMTP filters in their order, with their rankings. */
@Command(
        scope = "mta",
        name = "filters",
        description = "Lists the active SMTP filters in the order the listeners ask them (highest ranking first), "
                + "with their time limits and bundles")
@Service
public class FiltersCommand implements Action {
    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() throws InvalidSyntaxException {
        Collection<ServiceReference<SmtpFilter>> refs = bundleContext.getServiceReferences(SmtpFilter.class, null);
        List<FilterListing.Entry> entries = new ArrayList<>();
        for (ServiceReference<SmtpFilter> ref : refs) {
            Object name = ref.getProperty(SmtpFilter.NAME);
            Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
            Object timeout = ref.getProperty(SmtpFilter.TIMEOUT_MILLIS);
            entries.add(new FilterListing.Entry(
                    name == null ? String.valueOf(ref.getProperty(Constants.OBJECTCLASS)) : name.toString(),
                    ranking instanceof Integer r ? r : 0,
                    (Long) ref.getProperty(Constants.SERVICE_ID),
                    timeout instanceof Number n ? n.longValue() : null,
                    ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName(),
                    ref.getBundle() == null ? -1 : ref.getBundle().getBundleId()));
        }
        FilterListing.write(entries, System.out);
        return null;
    }
}
