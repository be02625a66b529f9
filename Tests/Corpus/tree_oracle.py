# An independent implementation of the tree builder of docs/design.md ("Directory trees"),
# used by TreeTests as an oracle for tree ids: python3 tree_oracle.py N prints the root id of
# N files "cNNNN/fNNNNNNN.bin" (size 512 + i % 1024, id SHA-256 of the path).
import hashlib, sys
M=(1<<64)-1
def ph(s):
    h=0xcbf29ce484222325
    for b in s.encode(): h=((h^b)*0x100000001b3)&M
    h=((h^(h>>30))*0xbf58476d1ce4e5b9)&M
    h=((h^(h>>27))*0x94d049bb133111eb)&M
    return h^(h>>31)
def leaf_bytes(es): return b"mlv-tree: 1 leaf\n"+b"".join(f"f {s} {o} {p}\n".encode() for p,s,o in es)
def node_bytes(h,cs): return f"mlv-tree: 1 node {h}\n".encode()+b"".join(f"{i} {f} {b} {fp}\n".encode() for i,f,b,fp,_ in cs)
def build(entries):
    levels=[]; leaf=[]
    def push(level, child, final=False):
        while len(levels)<=level: levels.append([])
        levels[level].append(child)
        if not final:
            n=len(levels[level]); h=child[4]
            if n>=1024 or (n>=4 and (h>>(16+8*(level+1)))&0x3f==0): close(level)
    def mk(level):
        cs=levels[level]; levels[level]=[]
        b=node_bytes(level+1,cs); i=hashlib.sha256(b).hexdigest()
        return (i,sum(c[1] for c in cs),sum(c[2] for c in cs),cs[0][3],cs[-1][4])
    def close(level): push(level+1, mk(level))
    for e in entries:
        leaf.append(e); h=ph(e[0])
        if len(leaf)>=4096 or (len(leaf)>=32 and h&0x1ff==0):
            b=leaf_bytes(leaf); push(0,(hashlib.sha256(b).hexdigest(),len(leaf),sum(x[1] for x in leaf),leaf[0][0],h)); leaf.clear()
    if leaf:
        b=leaf_bytes(leaf); push(0,(hashlib.sha256(b).hexdigest(),len(leaf),sum(x[1] for x in leaf),leaf[0][0],ph(leaf[-1][0]))); leaf.clear()
    if not levels: return hashlib.sha256(leaf_bytes([])).hexdigest()
    level=0
    while True:
        higher=any(levels[level+1:])
        if len(levels[level])==1 and not higher: return levels[level][0][0]
        if levels[level]:
            n=mk(level)
            while len(levels)<=level+1: levels.append([])
            levels[level+1].append(n)
        level+=1
n=int(sys.argv[1])
es=[]
for i in range(n):
    p="c%04d/f%07d.bin"%(i//1000,i)
    es.append((p,512+i%1024,hashlib.sha256(p.encode()).hexdigest()))
print(build(es))
