import java.io.FileOutputStream;
import java.net.ServerSocket;

public class App {
    private static final String password = "hunter2hunter2";
    private static final String DB = System.getenv().getOrDefault("DATABASE_URL", "jdbc:postgresql://localhost/app");

    public static void main(String[] args) throws Exception {
        ServerSocket server = new ServerSocket(8080);
        new FileOutputStream("uploads/last.bin").close();
        new ProcessBuilder("convert", "a.png", "b.jpg").start();
    }
}
