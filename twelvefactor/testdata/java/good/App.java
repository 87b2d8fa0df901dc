public class App {
    public static void main(String[] args) {
        String db = System.getenv("DATABASE_URL");
        if (db == null) {
            throw new IllegalStateException("DATABASE_URL is required");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("stopping")));
    }
}
