import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import java.io.File;
import java.io.FileInputStream;
import org.w3c.dom.bootstrap.DOMImplementationRegistry;
import org.w3c.dom.ls.DOMImplementationLS;

/** Validates XML files against an XSD, resolving every external resource to the XSD's folder. */
public class Xsd {
    public static void main(String[] args) throws Exception {
        var folder = new File(args[0]).getParentFile();
        var ls = (DOMImplementationLS) DOMImplementationRegistry.newInstance().getDOMImplementation("LS");
        var factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.setResourceResolver((type, namespace, publicId, systemId, baseUri) -> {
            if (systemId == null) return null;
            var local = new File(folder, new File(systemId.replace("%20", " ")).getName());
            if (!local.exists()) return null;
            try {
                var input = ls.createLSInput();
                input.setByteStream(new FileInputStream(local));
                input.setSystemId(local.toURI().toString());
                input.setPublicId(publicId);
                return input;
            } catch (Exception e) { return null; }
        });
        var schema = factory.newSchema(new File(args[0]));
        int failures = 0;
        for (int i = 1; i < args.length; i++) {
            try { schema.newValidator().validate(new StreamSource(new File(args[i]))); System.out.println("VALID " + args[i]); }
            catch (Exception e) { failures++; System.out.println("INVALID " + args[i] + ": " + e.getMessage()); }
        }
        System.exit(failures == 0 ? 0 : 10);
    }
}
