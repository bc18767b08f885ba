/* Wake-up probe: how late does a thread wake from a 1 ms absolute-deadline sleep on this machine?
 * The floor under every queue hop a notice makes (docs/DECISIONS.md D51). Run on an idle machine:
 *   gcc -O2 -o /tmp/wakeup-probe scripts/wakeup-probe.c && /tmp/wakeup-probe 20000
 * (20,000 wake-ups = 20 s); read CPU steal from /proc/stat around it. */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
static long long now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1000000000LL+t.tv_nsec;}
int cmp(const void*a,const void*b){long long x=*(long long*)a,y=*(long long*)b;return x<y?-1:x>y;}
int main(int c,char**v){int n=c>1?atoi(v[1]):10000;long long*l=malloc(n*8);long long due=now();
for(int i=0;i<n;i++){due+=1000000;struct timespec t={due/1000000000,due%1000000000};clock_nanosleep(CLOCK_MONOTONIC,TIMER_ABSTIME,&t,0);l[i]=now()-due;}
qsort(l,n,8,cmp);printf("wakeup lateness ms: p50 %.3f p99 %.3f p99.9 %.3f max %.3f (n=%d)\n",l[n/2]/1e6,l[n*99/100]/1e6,l[n*999/1000]/1e6,l[n-1]/1e6,n);}
