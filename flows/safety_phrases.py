"""The phrases flows.safety looks for, as regular expressions: data only.

Matched against lower-case text with apostrophes removed ("don't" -> "dont"), every other
punctuation mark turned into a space, and single spaces between words. Which list is risk,
which is unclear and which can be denied is decided in flows.safety.
"""

from __future__ import annotations

_SELF = r"(?:my ?sel(?:f|ves)|me ?self|meself)"
_DRUGS = (
    r"(?:pills?|meds|medications?|medicines?|tablets?|drugs|painkillers|sleeping pills"
    r"|tylenol|paracetamol|acetaminophen|insulin|lithium|xanax|benzos|opioids|heroin|fentanyl)"
)
_PEOPLE = (
    r"(?:him|her|them|someone|somebody|anyone|anybody|everyone|everybody|people|others"
    r"|other people|strangers|whoever"
    r"|a (?:child|kid|baby|person|stranger|coworker|colleague)"
    r"|(?:this|that) (?:guy|person|man|woman|girl|boy|kid)"
    r"|the (?:baby|kids|children|neighbou?rs?|boss|guy|man|woman)"
    r"|my (?:husband|wife|partner|boyfriend|girlfriend|bf|gf|spouse|mom|mum|mother|dad"
    r"|father|sons?|daughters?|kids?|child|children|baby|babies|brothers?|sisters?"
    r"|siblings?|boss|coworkers?|co workers?|colleagues?|neighbou?rs?|roommates?"
    r"|flatmates?|ex|ex wife|ex husband|family|parents?|teacher|manager|friends?|cousin"
    r"|uncle|aunt|grandma|grandpa|grandmother|grandfather|stepdad|stepmom|stepfather"
    r"|stepmother|landlord|therapist|doctor))"
)
# Words that leave a medication-safety reading of "not safe" ("not safe to drive").
_MEDICATION_SAFETY = (
    r"(?! (?:to (?:drive|take|mix|combine|use|drink|stop|eat|operate|breastfeed|nurse"
    r"|switch|change|increase|decrease|double|lower|raise|skip)"
    r"|with (?:alcohol|food|my|other|these|this|that)"
    r"|during|in pregnancy|while|for (?:pregnancy|breastfeeding|my baby|kids|children)))"
)

# Naming suicide or a way of dying by one's own hand. Negatable: "I am not suicidal".
SUICIDE_PHRASES = (
    r"su+i+[cs]+[iy]+d\w*",  # suicide, suicidal, suiside, suicidel
    r"suc[iy]d\w*",  # sucide, sucidal
    r"sewer ?slide\w*",
    r"(?<!\d )kms",  # "kill myself"; "5 kms" is a distance
    r"k[i1]ll?(?:s|ed|ing|in)? ?" + _SELF,
    r"(?:end|ending|ended|off|offing|offed|top|topping|topped) " + _SELF,
    r"un ?aliv\w*",
    r"(?:hang|hanging|hanged|shoot|shooting|shot|drown|drowning|drowned|poison|poisoning"
    r"|poisoned|gas|gassing|suffocate|suffocating|strangle|strangling|electrocute"
    r"|electrocuting|stab|stabbing|stabbed) " + _SELF,
    r"(?:slit|slitting|slash|slashing|cut|cutting) (?:my )?(?:wrists?|throat)",
    r"(?:end|ending|ended|take|taking|took|taken) (?:my|this) (?:own )?life",
    r"(?:end|ending) (?:it|things|everything) (?:all|for good|once and for all)",
    r"(?:end|ending) everything",
    r"(?:want|wanna|wanted|wanting|going|gonna|ready|plan|planning|planned|thinking|think"
    r"|thought|thoughts|decided|deciding|tempted|urge|urges|wish|could|should|feel like"
    r"|feeling like)"
    r" (?:about |of |to |on )?(?:just )?(?:end|ending) (?:it|things)"
    r"(?! (?:with|between|off|up|early))",
    r"(?:want|wanna|wants|wanted|wanting|wish|wished|wishing|ready|hope|hoping|prefer"
    r"|deserve|deserves|deserving|should|need|needs|like|longing|long|pray|praying)"
    r" (?:to |2 )?(?:just |simply |really |finally |already )?(?:die|be dead|d1e)",
    r"let me (?:just )?die",
    r"(?:please|pls|plz) (?:just )?kill me",
    r"feel(?:s|ing)? like (?:dying|i (?:want to|should) die)",
    r"(?:jump|jumping|jumped|leap|leaping|throw myself|throwing myself|threw myself)"
    r" (?:off|from|out of|in front of|under) (?:a |an |the |my |this |that )?(?:\w+ )?"
    r"(?:bridge|building|roof|rooftop|cliff|balcony|window|train|bus|car|truck|lorry|tower"
    r"|overpass|ledge|parking garage|subway|traffic)",
    r"(?:step|stepping|stepped|walk|walking|walked|run|running|ran|lie|lying|lay|laying)"
    r" (?:out )?in front of (?:a |an |the )?(?:\w+ )?(?:train|bus|car|truck|lorry|traffic)",
    r"(?:drive|driving|drove|crash|crashing|crashed|swerve|swerving|swerved)"
    r" (?:my car |the car |my truck )?(?:off|into) (?:a |an |the )?"
    r"(?:bridge|cliff|tree|wall|river|lake|traffic|oncoming traffic|pole)",
    r"ideation",
)

# Wishing to be dead or not to live. Never negatable: the negative is the risk.
DEATH_WISH_PHRASES = (
    r"(?:wish|wished|wishing|hope|hoping|pray|praying)(?: that)? (?:i|id|ill)(?: \w+){0,3}"
    r" (?:die|died|dead|dying|(?:was|were|be) gone|never born|not born|never been born"
    r"|(?:wasnt|werent|not|never) (?:born|alive|here|around)"
    r"|(?:didnt|did not|not|wouldnt|would not|dont|never|wont) (?:exist|wake up))",
    r"(?:wish|wished|hope|hoping|want|wanted|pray|praying) (?:someone|somebody|something|god"
    r"|a car|a bus|a truck|a train|it|you|they|he|she|the universe|a stranger|cancer)"
    r"(?: \w+){0,2} (?:kill|kills|killed|hit|hits|run over|runs over|ran over|shoot|shoots"
    r"|shot|take|takes|took|end|ends) me",
    r"(?:dont|do not|didnt|did not|doesnt|no longer|not|never)(?: \w+){0,3}"
    r" (?:want|wanna|wanting|wish|care|feel like) (?:to |2 )?"
    r"(?:live|living|be alive|being alive|exist|existing|keep living|wake up|waking up"
    r"|be here any ?more|be around any ?more|be in this world|be on this earth"
    r"|go on (?:like this|any ?more|living)|go on$|keep going$|carry on$)",
    r"(?:dont|do not|didnt) care (?:if|whether) i (?:live|die|wake up|make it|exist"
    r"|am alive|im alive|survive)",
    r"(?:no|not any|not a|lost (?:my|the|all)|losing (?:my|the)|dont have a|dont have any)"
    r" (?:single )?(?:reason|reasons|will|point|purpose|desire|wish|motivation)"
    r" (?:to|for|in) (?:live|living|go on|going on|be alive|being alive|stay alive"
    r"|staying alive|keep living|keep going|life|existing|exist)",
    r"nothing (?:left )?to live for",
    r"no point (?:in |of )?(?:living|life|going on|being alive|being here|existing"
    r"|anything any ?more|carrying on)",
    r"(?:whats|what is) the point (?:of|in) (?:living|life|going on|being alive|being here"
    r"|existing|anything|it all|carrying on)",
    r"(?:tired|sick|weary) of (?:living|being alive|life|existing|being here)",
    r"done with (?:life|living|being alive|existing|it all)",
    r"(?:give|giving|gave|given) up on (?:life|living)",
    r"(?:life|living) (?:is not|isnt|aint|is no longer|not) worth (?:living|it)",
    r"not worth living",
    r"(?:cant|cannot|can not) (?:go on|keep going|carry on|keep living|live like this"
    r"|do this any ?more|take it any ?more|take this any ?more)"
    r"(?! (?:a|the|holiday|vacation|trips?|leave|dates?|with)\b)",
    r"better off (?:dead|without me|if i (?:\w+ ){0,2}(?:wasnt|werent|was not|were not"
    r"|died|dead|gone|didnt exist|never existed|not here|not around))",
    r"(?:rather|sooner) (?:be dead|die|not be alive|not exist|not be here|not wake up)",
    r"(?:might|may|could) as well (?:be dead|die|not be here|not exist)",
    r"(?:want|wanna|wish|wished|like|prefer) (?:to |2 |i could |i would )?(?:just )?"
    r"(?:disappear forever"
    r"|vanish forever|not exist|stop existing|cease to exist|not be alive"
    r"|not be here any ?more|sleep forever|go to sleep forever|fall asleep forever"
    r"|(?:go to sleep|fall asleep) and (?:never|not) wake up|never wake up|not wake up"
    r"|be gone)",
    r"(?:sleep|asleep) and (?:never|not|dont|wont) wake up",
    r"(?:never|not|dont|wont) (?:to )?wake up (?:again|ever)",
)

# Thinking about dying or death. Negatable: "no thoughts of death".
DEATH_THOUGHT_PHRASES = (
    r"(?:thought|thoughts|thinking|think|thinks|obsess\w*|fantasi[sz]\w*|dream|dreams"
    r"|dreaming|daydream\w*|preoccupied|images?|urges?|ruminat\w*|pictur\w*|imagin\w*)"
    r" (?:a lot |often |constantly |all the time |lately |sometimes |so much |too much"
    r" |more )?(?:about|of|on|with) (?:my own |my )?"
    r"(?:dying(?! (?:my |her |his |the )?hair)|death|being dead|not being here|not existing"
    r"|not being alive|not waking up|how i would die|how to die|my funeral"
    r"|ending (?:it|things|my life))",
    r"death wish",
    r"morbid thoughts",
)

# Hurting oneself. Negatable: "no self-harm".
SELF_HARM_PHRASES = (
    r"(?:hurt|hurts|hurting|harm|harms|harming|harmed|cut|cuts|cutting|burn|burns|burning"
    r"|burned|burnt|hit|hits|hitting|punch|punching|punched|scratch|scratching|scratched"
    r"|injure|injuring|injured|starve|starving|starved|punish|punishing|punished|bruise"
    r"|bruising|bang|banging|mutilate|mutilating|mutilated|bite|biting) ?" + _SELF,
    r"self ?(?:harm\w*|injur\w*|mutilat\w*|hurt\w*|destruct\w*|poison\w*)",
    r"(?:cut|cuts|cutting|burn|burns|burned|burnt|burning|scratch\w*|carv\w*|slash\w*|slice"
    r"|slicing)"
    r" (?:on |into )?(?:my |me )?(?:arms?|legs?|wrists?|thighs?|skin|stomach|body|hips?)",
    r"(?:been|started|start|starting|keep|kept|still|urges? to|went back to|going back to"
    r"|back to|relapsed|relapsing|trying not to) cutting(?: again| my\b|$)",
    r"cutting again",
    r"relaps\w* (?:on |with |into )?(?:self harm|sh|cutting)",
    r"(?:sh|self harm) (?:urges?|again|relapse)",
    r"(?:razor|razors|blade|blades|knife|glass|lighter) (?:on|to|against|into) (?:my )?"
    r"(?:arms?|legs?|wrists?|skin|thighs?|body)",
)

# Taking too much medicine. Negatable: "I didn't overdose".
OVERDOSE_PHRASES = (
    r"over ?dos\w*",
    r"od(?:ed|d|ing|ding)? on (?:\w+ ){0,2}" + _DRUGS,
    r"(?:take|takes|took|taking|taken|swallow|swallowed|swallowing|down|downed|downing|eat"
    r"|ate|eating|pop|popped|popping) (?:all|every one|the rest|a (?:whole|full)"
    r" (?:bottle|pack|packet|box|strip)|the (?:whole|entire) (?:bottle|pack|packet|box"
    r"|strip)|a (?:bunch|handful|lot|load|ton|bottle|box|pack|packet)|handfuls|loads|lots"
    r"|way too many|too many)(?: of)? (?:my |the |these |those |his |her )?(?:\w+ )?"
    + _DRUGS
    # Reporting adherence ("I took all my pills as prescribed") is not an overdose.
    + r"(?! (?:on time|as prescribed|as directed|as i should|as im supposed to|like i should"
    r"|like im supposed to|every day|each day|daily|regularly|correctly|this week"
    r"|this month|every dose))",
    r"(?:take|took|taking|swallow\w*) (?:\w+ ){0,4}on purpose",
    r"(?:lethal|fatal|deadly|toxic) (?:dose|amount|overdose|quantity)",
    r"(?:how many|how much) (?:\w+ ){0,3}(?:to die|would kill me|to kill me|is lethal"
    r"|is fatal|to overdose|to od|would it take to die|does it take to die|to end it)",
)

# A plan, a method looked up, or the means at hand. Negatable: "I don't have a gun".
PLAN_PHRASES = (
    r"plan(?:s|ned|ning)? (?:to|for|on|of|about)(?: \w+){0,3} (?:kill\w*|end it|ending it"
    r"|end my life|ending my life|end things|die|dying|suicide|overdose|od|hang|hanging"
    r"|shoot myself|jump|take my life|hurt myself|harm myself|cut myself)",
    r"(?:know|knew|figured out|figure out|worked out|decided|planned|planning|researched"
    r"|researching|looked up|looking up|look up|googled|googling|searched|searching)"
    r" (?:how|when|where|ways|the best way|a way|methods?) (?:to|i would|i will|im going to"
    r"|id|ill|i could|i can)(?: \w+){0,2} (?:do it|die|kill myself|end it|end my life"
    r"|overdose|od|hang myself|not wake up)",
    r"(?:looked up|looking up|look up|googled|googling|researched|researching|searched"
    r"|searching|read up on) (?:\w+ )?(?:how many|lethal|the lethal|what dose|how much"
    r"|ways to die|how to die|methods)",
    r"(?:bought|buy|buying|got|get|getting|purchased|purchase|purchasing|ordered|order"
    r"|ordering|have|has|own|owns|keep|keeps|kept|found|hid|hidden|hiding|access to|loaded"
    r"|load|loading|cleaning|holding|borrowed|borrow|carry|carrying|grabbed)"
    r" (?:a |an |my |some |the |his |her |our |their )?"
    r"(?!(?:water|nerf|glue|heat|toy|squirt|staple|nail|massage|spray|bb) )(?:\w+ )?"
    r"(?:guns?|handguns?|pistol|rifles?|shotgun|firearms?|revolver|noose|ammo|ammunition"
    r"|bullets)",
    r"noose",
    r"(?:rope|ropes|belt|cord|cable|knife|knives|razor|razors|blade|blades|pills|tablets"
    r"|gun|charcoal|helium|hose|bag) (?:to|so i can|so that i can|for|in order to)"
    r"(?: \w+){0,2} (?:kill|end|hang|die|do it|overdose|od|shoot|hurt myself|cut myself"
    r"|harm myself)",
    r"(?:gun|pistol|knife|blade) (?:to|at|against) my (?:head|temple|throat|wrist|chest"
    r"|heart|mouth)",
    r"(?:hold|holding|held|put|putting|point|pointing|pointed) (?:a |the |my )?"
    r"(?:gun|knife|blade) (?:to|at|against) (?:my ?self|me)",
    r"(?:stockpil\w*|hoard\w*|sav(?:e|ed|ing) up|stash\w*|stor(?:e|ed|ing) up)"
    r" (?:my |some |all my |all |of my |the )?(?:\w+ )?" + _DRUGS,
)

# Farewell wording. Never negatable.
GOODBYE_PHRASES = (
    r"(?:suicide|goodbye|good bye|farewell|final) (?:note|notes|letter|letters|message"
    r"|messages|video|post|text)",
    r"(?:wont|will not|not going to|not gonna|might not|may not|probably wont|wont even)"
    r" be (?:around|here|alive|living) (?:much |for much |for |any |very )?"
    r"(?:longer|any ?more|long)",
    r"(?:saying|say|said) (?:my )?(?:goodbyes?|good byes?|byes?) (?:to )?(?:everyone"
    r"|everybody|my family|my friends|my kids|my children|all of you|the world|forever"
    r"|for good|for the last time)",
    r"(?:this is|its|it is) (?:my )?(?:goodbye|good bye|the end for me|final goodbye"
    r"|last goodbye)",
    r"(?:goodbye|good bye|bye) (?:forever|cruel world|for good)",
    r"(?:final|last) (?:goodbye|good bye|farewell)",
    r"(?:giving|give|gave|given) away (?:all )?(?:of )?(?:my )?(?:stuff|things|belongings"
    r"|possessions|pets?|cats?|dogs?|valuables|everything i own)",
    r"(?:put|putting|getting|got|get) (?:all )?my (?:affairs|things|life) in order",
    r"you (?:wont|will not|will never|wont ever|are not going to|arent going to)"
    r" (?:see|hear from|hear of|talk to) me (?:again|any ?more|ever again)",
    r"(?:when|after|once|by the time) (?:im|i am|i m) (?:gone|dead|no longer here"
    r"|no longer around|not here any ?more|not around any ?more)"
    r"(?! (?:on|for|to|away|out|from|at|with))",
)

# Not safe, in danger, or threatened. Never negatable.
NOT_SAFE_PHRASES = (
    r"(?:not|no longer|never) (?:really |entirely |completely |totally |very |so )?"
    r"(?:feeling |feel |being |staying |keeping (?:myself |me )?)?safe" + _MEDICATION_SAFETY,
    r"(?:dont|do not|didnt|did not|cant|cannot|can not|unable to|no longer|never)"
    r" (?:really )?(?:feel|be|keep (?:myself|me)|stay|staying|keeping myself) safe",
    r"(?:feel|feeling|felt|im|i am|i m|am) (?:really |very |so |not )?unsafe",
    r"(?:im|i am|i m|feel|feeling|am) (?:like )?(?:i am |im )?in danger",
    r"danger to (?:my ?self|me|others|someone|people|my \w+)",
    r"(?:threaten\w*|threats?) (?:to )?(?:kill|hurt|harm|shoot|stab|beat) (?:me|my)",
    r"(?:scared|afraid|frightened|terrified|worried) (?:of|about) what i (?:might|could|will"
    r"|would|may) do",
    r"(?:scared|afraid|frightened|terrified) (?:that )?i (?:might|will|would|could|may)"
    r" (?:do something|hurt|harm|kill|act on)",
)

# Hurting someone else. Negatable: "I would never hurt anyone".
HARM_OTHERS_PHRASES = (
    r"(?:kill|kills|killing|killed|murder|murders|murdering|murdered|stab|stabs|stabbing"
    r"|stabbed|shoot|shoots|shooting|shot|strangle|strangling|strangled|choke|choking"
    r"|choked|smother|smothering|smothered|poison|poisoning|poisoned|beat up|beating up"
    r"|attack|attacking|attacked|slaughter\w*|drown|drowning) (?:" + _PEOPLE + r"|you|u|ya)",
    r"(?:hurt|hurts|hurting|harm|harms|harming|harmed|hit|hits|hitting|punch|punching"
    r"|punched|slap|slapping|slapped|kick|kicking|kicked) "
    + _PEOPLE
    + r"(?! (?:feelings|feeling|up))",
    r"homicid\w*",
    r"(?:violent|murderous) (?:thoughts|urges|fantasies|impulses|feelings|ideas)",
    r"(?:shoot|shooting|shoot up|bomb|bombing|blow up|attack) (?:up )?(?:the |a |my |our )?"
    r"(?:school|office|workplace|work|mall|church|mosque|synagogue|building|class|campus)",
)

# Death or killing words used as figures of speech: UNCLEAR, never RISK.
IDIOM_PHRASES = (
    r"kill(?:s|ed|ing|in)? me(?! ?sel)",  # "this traffic is killing me"
    r"dying (?:for|to)",  # "dying for a coffee"
    r"dead (?:tired|beat|serious|seriously|sure|certain|wrong|right|on|last|set|center"
    r"|centre|broke|bored|boring|quiet|silent|slow|asleep|ringer|giveaway|easy|simple|cute"
    r"|funny|honest|heat|weight|lift|end|cold|even|straight|ahead)",
    r"(?:die|dies|died|dying|dead) (?:of |from |with )?(?:laughing|laughter|embarrassment"
    r"|shame|boredom|thirst|hunger|heat|cringe|curiosity|excitement|fright|shock|happiness"
    r"|cuteness|jealousy|envy|anticipation|suspense)",
    r"to die for",
    r"kill(?:s|ed|ing|in)? it",
    r"kill(?:s|ed|ing|in)? for",
    r"kill(?:s|ed|ing|in)? (?:some |the |a little )?time",
    r"kill(?:s|ed|ing)? two birds",
    r"(?:bored|scared|scare|scares|worried|frightened|freaked|terrified|sick|tired|love"
    r"|loved|loves|beaten|done|worked|talked|starved|annoyed|bugged)"
    r" (?:me |him |her |them |it |myself )?(?:half )?to death",
    r"(?:phone|battery|batteries|laptop|computer|car|tablet|plants?|flowers|wifi|wi fi"
    r"|internet|tv|engine|remote|charger|ipad|iphone|headphones|airpods|mouse|keyboard"
    r"|printer|bulb|lightbulb|torch|flashlight)(?: \w+)? (?:died|dies|dying|is dead"
    r"|was dead|dead|has died|just died|went dead|is dying)",
    r"dead (?:battery|batteries|phone|zone|line|link|spot|leaves|skin|silence|cells?)",
    r"over my dead body",
    r"drop dead",
    r"dressed to kill",
    r"dead as a doornail",
    r"do or die",
    r"die ?hard",
    r"killer (?:headache|migraine|cramps?|workout|app|deal|view|idea|song|pain|heels|smile"
    r"|instinct|whale|bee)",
    r"kill(?:s|ed|ing|in)? (?:the|my|your|his|her|their|all|any) (?:mood|vibe|buzz"
    r"|appetite|sex drive|libido|drive|motivation|pain|headache|energy|germs|bacteria"
    r"|lights|engine|music|conversation|joke|plants?|weeds|bugs|spiders?|flies|fly|ants"
    r"|roaches|mosquitoes|battery|creativity|focus|concentration|sleep|cravings?|desire)",
)

# Worrying without being explicit: UNCLEAR.
CONCERNING_PHRASES = (
    r"(?:im|i am|i m|i feel like|feel like|i feel|feeling like|just|such|a) (?:\w+ )?burden",
    r"burden (?:to|on|for) (?:everyone|everybody|my|others|people|them|the)",
    r"(?:want|wanna|wish|wished|like) (?:to |i could )?(?:just )?(?:disappear|vanish"
    r"|run away and never come back|go away forever)",
    r"(?:no|any) way out",
    r"(?:cant|cannot|dont) see (?:a |any )?(?:future|way out|point)",
    r"(?:life|everything) (?:is|feels) (?:pointless|meaningless|not worth it)",
    r"dead inside",
)

# Any other death or killing word: UNCLEAR.
DEATH_WORDS = (
    r"die|dies|died|dying|dead|deadly|death|deaths|kill|kills|killed|killing|killer|killers"
    r"|murder\w*|lethal|fatal\w*|deceased|funeral|corpse",
)
