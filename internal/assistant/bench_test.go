package assistant

import (
	"runtime"
	"testing"
)

// BenchmarkUnderstand measures one message's understanding (normalise,
// intent, slots, retrieval) over the whole labelled set, without an LLM.
func BenchmarkUnderstand(b *testing.B) {
	data, err := Dataset()
	if err != nil {
		b.Fatal(err)
	}
	e, err := DefaultEngine()
	if err != nil {
		b.Fatal(err)
	}
	e.SetDocs(DefaultDocs())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Understand(data[i%len(data)].Text, EvalNow)
	}
}

// TestEngineMemory reports the heap the engine holds (classifier and
// index): it is fixed by the labelled set and the knowledge base, not by
// traffic (conversations live in the database).
func TestEngineMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e, err := DefaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	e.SetDocs(DefaultDocs())
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("engine holds about %d KB", held/1024)
	for range 2000 {
		e.Understand("明天下午在浦东换电，顺便问下电池健康度", EvalNow)
	}
	runtime.GC()
	var later runtime.MemStats
	runtime.ReadMemStats(&later)
	if grow := int64(later.HeapAlloc) - int64(after.HeapAlloc); grow > 1<<20 {
		t.Errorf("heap grew %d KB over 2000 messages", grow/1024)
	}
	runtime.KeepAlive(e)
}
