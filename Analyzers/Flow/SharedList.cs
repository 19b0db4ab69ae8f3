using System.Collections.Generic;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// A list that analyzer threads add to and a compilation-end step reads. A <c>ConcurrentQueue</c> per body (what the
    /// lock order graph kept) starts with a segment of 32 slots, and there is one for every body that takes a lock or
    /// calls into source; a body's list is written by the thread that analyses it, so a plain lock is uncontended.
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
