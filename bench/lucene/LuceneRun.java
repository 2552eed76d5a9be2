// Lucene 8.7 as the speed and relevance peer of bench/compare.py (Debian's liblucene8-java jars).
//
// Usage: java -cp JARS:BUILD LuceneRun DOCS.tsv QUERIES.tsv RUN.tsv
//   DOCS.tsv     id<TAB>title<TAB>text, one document a line (tabs and newlines already replaced by spaces)
//   QUERIES.tsv  id<TAB>text, one question a line
//   RUN.tsv      written: query-id<TAB>doc-id<TAB>rank<TAB>score, top 100 per question
// Indexes into an in-memory directory with Lucene's PersianAnalyzer and BM25 (one thread), answers each
// question through the classic query parser over title and body (the text escaped, words OR-ed), and
// prints one line: "index_s=… search_s=… docs=… queries=… unparsed=…", each time measured inside the JVM.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Locale;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.fa.PersianAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

public final class LuceneRun {
    private static final int TOP = 100;

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: LuceneRun DOCS.tsv QUERIES.tsv RUN.tsv");
            System.exit(2);
        }
        Analyzer analyzer = new PersianAnalyzer();
        ByteBuffersDirectory dir = new ByteBuffersDirectory();

        long start = System.nanoTime();
        int docs = 0;
        IndexWriterConfig config = new IndexWriterConfig(analyzer).setSimilarity(new BM25Similarity());
        try (IndexWriter writer = new IndexWriter(dir, config);
             BufferedReader in = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split("\t", 3);
                if (parts.length != 3) {
                    continue;
                }
                Document doc = new Document();
                doc.add(new StringField("id", parts[0], Field.Store.YES));
                doc.add(new TextField("title", parts[1], Field.Store.NO));
                doc.add(new TextField("body", parts[2], Field.Store.NO));
                writer.addDocument(doc);
                docs++;
            }
            writer.commit();
        }
        DirectoryReader reader = DirectoryReader.open(dir);
        double indexSeconds = (System.nanoTime() - start) / 1e9;

        start = System.nanoTime();
        int queries = 0;
        int failed = 0;
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(new BM25Similarity());
        QueryParser parser = new MultiFieldQueryParser(new String[] {"title", "body"}, analyzer);
        try (BufferedReader in = Files.newBufferedReader(Paths.get(args[1]), StandardCharsets.UTF_8);
             BufferedWriter out = Files.newBufferedWriter(Paths.get(args[2]), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split("\t", 2);
                if (parts.length != 2) {
                    continue;
                }
                queries++;
                String text = QueryParser.escape(parts[1]).trim();
                if (text.isEmpty()) {
                    continue;
                }
                Query query;
                try {
                    query = parser.parse(text);
                } catch (ParseException e) {  // e.g. a bare AND/OR/NOT left after escaping: no answer
                    failed++;
                    continue;
                }
                ScoreDoc[] hits = searcher.search(query, TOP).scoreDocs;
                for (int rank = 0; rank < hits.length; rank++) {
                    String id = searcher.doc(hits[rank].doc).get("id");
                    out.write(parts[0] + "\t" + id + "\t" + (rank + 1) + "\t"
                        + String.format(Locale.ROOT, "%.4f", hits[rank].score) + "\n");
                }
            }
        }
        double searchSeconds = (System.nanoTime() - start) / 1e9;
        reader.close();
        System.out.printf(Locale.ROOT, "index_s=%.3f search_s=%.3f docs=%d queries=%d unparsed=%d%n",
            indexSeconds, searchSeconds, docs, queries, failed);
    }
}
