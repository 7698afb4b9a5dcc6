import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import uk.co.smartdcc.boxed.xmldsig.ResultCode;
import uk.co.smartdcc.boxed.xmldsig.Sign;
import uk.co.smartdcc.boxed.xmldsig.Validate;

/**
 * Runs DCC's own Sign or Validate (tool.jar of @smartdcc/duis-sign-wrap) on many files in one
 * JVM, calling each tool's entry point (main_aux, which returns its result code instead of
 * exiting) once per file exactly as its command line would.
 *
 * Usage: BatchSignValidate sign|sign-preserve-counter|validate LIST
 * LIST names one file per line. For each FILE it writes FILE.out (what the tool printed on
 * standard output: the signed document for Sign) and FILE.err (its log), and prints
 * "RESULT code FILE" on standard output.
 *
 * Sign replaces the RequestID counter with the current time in milliseconds (unless
 * --preserveCounter): between two files this driver waits for the clock to move on, so the
 * files get strictly rising counters in the list's order, as they would signed one by one.
 */
public final class BatchSignValidate {
    private BatchSignValidate() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BatchSignValidate sign|sign-preserve-counter|validate LIST");
            System.exit(2);
        }
        String mode = args[0];
        List<String> files = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                files.add(line.strip());
            }
        }
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        for (String file : files) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code;
            try {
                ResultCode result = switch (mode) {
                    case "sign" -> Sign.main_aux(new String[] {file});
                    case "sign-preserve-counter" -> Sign.main_aux(new String[] {file, "--preserveCounter"});
                    case "validate" -> Validate.main_aux(new String[] {file});
                    default -> throw new IllegalArgumentException("unknown mode " + mode);
                };
                code = result.value();
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (Exception e) {
                System.err.println("[E] batch driver: " + e);
                code = -1;
            }
            System.out.flush();
            System.err.flush();
            System.setOut(realOut);
            System.setErr(realErr);
            Files.write(Path.of(file + ".out"), out.toByteArray());
            Files.write(Path.of(file + ".err"), err.toByteArray());
            realOut.println("RESULT " + code + " " + file);
            if (mode.equals("sign")) {
                long ended = System.currentTimeMillis();
                while (System.currentTimeMillis() <= ended) {
                    Thread.onSpinWait();
                }
            }
        }
        realOut.flush();
    }
}
