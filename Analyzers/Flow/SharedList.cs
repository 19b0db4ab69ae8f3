using System.Collections.Generic;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// A list that analyzer threads add to and a compilation-end step reads, one per body or per method (the lock order
    /// graph's acquisitions and callees, the guard inference's call sites). A <c>ConcurrentQueue</c> in that place starts
    /// with a segment of 32 slots for every key; a key's list is mostly written by one thread, so a plain lock is
    /// uncontended.
    /// </summary>
    internal sealed class SharedList<T>
    {
        private readonly List<T> _items = new List<T>(4);

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        /// <summary>The items added so far, as an array of their own.</summary>
        public T[] Snapshot()
        {
            lock (_items)
            {
                return _items.ToArray();
            }
        }
    }
}
